"""Token counts for ``blog2jsonl check``: per-example counts, model limits, statistics,
a text histogram and an estimate of what a fine-tuning job will bill.

Counting follows OpenAI's cookbook notebook "Data preparation and analysis for chat
model fine-tuning": a conversation costs a few tokens per message on top of its text,
and the billed total is the sum over examples (each capped at the model's limit) times
the number of epochs the service would pick by default.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ..errors import OptionsError
from ..tokenizer import encoding_for_model
from .model import Example

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "DEFAULT_MODEL",
    "MAX_DEFAULT_EPOCHS",
    "MAX_TARGET_EXAMPLES",
    "MIN_DEFAULT_EPOCHS",
    "MIN_TARGET_EXAMPLES",
    "MODEL_LIMITS",
    "TARGET_EPOCHS",
    "Estimate",
    "ExampleTokens",
    "Stats",
    "count_example",
    "default_epochs",
    "describe",
    "estimate",
    "find_special_tokens",
    "histogram",
    "model_encoding",
    "model_limit",
]

#: The model ``check`` measures against when none is given.
DEFAULT_MODEL: Final = "gpt-4.1-mini"

# Per-example token limits for fine-tuning, by model family; a dated snapshot
# (gpt-4o-mini-2024-07-18) takes its family's figure. Checked 2026-11 against:
# - OpenAI's fine-tuning guide, section "Token limits" (training-example context length:
#   gpt-4o-mini 65,536, below its 128k inference context; gpt-3.5-turbo-0125 and -1106
#   16,385; gpt-3.5-turbo-0613 4,096);
# - the OpenAI cookbook notebook "Data preparation and analysis for chat model
#   fine-tuning" (16,385 for gpt-3.5-turbo);
# - Azure OpenAI's "Fine-tuning model guidance" table, column "Training example context
#   length" (gpt-4o and gpt-4o-mini 65,536, gpt-4.1 and gpt-4.1-mini 65,536, gpt-4.1-nano
#   32,768, o4-mini 65,536), OpenAI's own guide giving no figures for those;
# - OpenAI's model pages for the GPT base models babbage-002 and davinci-002 (a 16,384
#   token window) and for gpt-4-0613 (8,192), whose whole window is the training limit.
MODEL_LIMITS: Mapping[str, int] = {
    "gpt-4.1": 65_536,
    "gpt-4.1-mini": 65_536,
    "gpt-4.1-nano": 32_768,
    "gpt-4o": 65_536,
    "gpt-4o-mini": 65_536,
    "o4-mini": 65_536,
    "gpt-4-0613": 8_192,
    # The undated alias has pointed at gpt-3.5-turbo-0125 since early 2024.
    "gpt-3.5-turbo": 16_385,
    "gpt-3.5-turbo-0125": 16_385,
    "gpt-3.5-turbo-1106": 16_385,
    "gpt-3.5-turbo-0613": 4_096,
    "babbage-002": 16_384,
    "davinci-002": 16_384,
}

# The cookbook's rule for the number of epochs a job runs when none is asked for:
# aim at TARGET_EPOCHS passes, but see at least MIN_TARGET_EXAMPLES and at most
# MAX_TARGET_EXAMPLES examples in all, within [MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS].
TARGET_EPOCHS: Final = 3
MIN_TARGET_EXAMPLES: Final = 100
MAX_TARGET_EXAMPLES: Final = 25_000
MIN_DEFAULT_EPOCHS: Final = 1
MAX_DEFAULT_EPOCHS: Final = 25

# The cookbook's overheads: each message is wrapped in a few formatting tokens, and
# the reply is primed with a few more.
_TOKENS_PER_MESSAGE: Final = 3
_TOKENS_FOR_REPLY: Final = 3
_CONVERSATION_FORMATS: Final = ("chat", "sharegpt")

# Used when the installed tiktoken predates a model family. A family takes its own name
# and the names that continue it after a "-": gpt-4o-mini is in gpt-4o, not in gpt-4.
_ENCODING_FAMILIES: Final = (
    ("gpt-4o", "o200k_base"),
    ("chatgpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("gpt-oss", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4-mini", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
)

# Special tokens of vocabularies other than the one in use: text meant for another
# model's template is as suspect as the encoding's own control tokens.
_WELL_KNOWN_SPECIAL_TOKENS: Final = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|endofprompt|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
)
_GENERIC_SPECIAL_TOKEN: Final = r"<\|[A-Za-z0-9_]+\|>"


def _base_model(model: str) -> str:
    """Return the base model of a fine-tuned name (``ft:gpt-4o-mini-2024-07-18:org::id``)."""
    if model.startswith("ft:"):
        return model[3:].partition(":")[0]
    return model


def _in_family(model: str, family: str) -> bool:
    return model == family or model.startswith(family + "-")


def model_limit(model: str) -> int | None:
    """Return the per-example token limit for fine-tuning ``model``, or None if unknown.

    Takes a model name as the fine-tuning API spells it: a family (``gpt-4o-mini``), a
    dated snapshot (``gpt-4o-mini-2024-07-18``) or a fine-tuned model (``ft:...``).
    An exact entry of :data:`MODEL_LIMITS` wins; otherwise the longest entry that the
    name starts with, followed by ``-``, gives the limit. Never raises.
    """
    model = _base_model(model.strip())
    if model in MODEL_LIMITS:
        return MODEL_LIMITS[model]
    families = [family for family in MODEL_LIMITS if _in_family(model, family)]
    if not families:
        return None
    return MODEL_LIMITS[max(families, key=len)]


def model_encoding(model: str) -> str:
    """Return the name of the tiktoken encoding ``model`` uses (e.g. ``o200k_base``).

    Asks tiktoken first; a tiktoken older than the model family falls back on the
    families blog2jsonl knows (gpt-4o, gpt-4.1, o-series: o200k_base; gpt-3.5, gpt-4,
    babbage-002, davinci-002: cl100k_base). The encoding itself is not loaded.

    Raises :class:`~blog2jsonl.errors.OptionsError` for a model neither knows.
    """
    # tiktoken reads ``ft:gpt-4.1-...`` as ``ft:gpt-4`` (cl100k_base): ask about the base.
    base = _base_model(model.strip())
    try:
        return encoding_for_model(base)
    except OptionsError as exc:
        for family, encoding in _ENCODING_FAMILIES:
            if _in_family(base, family):
                return encoding
        raise OptionsError(
            f"cannot tell which tokenizer model {model!r} uses; "
            f"name an OpenAI model such as {DEFAULT_MODEL!r}"
        ) from exc


@dataclass(frozen=True, slots=True)
class ExampleTokens:
    """Tokens in one example: ``total`` as billed, ``assistant`` in what the model learns."""

    total: int
    assistant: int


def count_example(example: Example, encoding: tiktoken.Encoding) -> ExampleTokens:
    """Count the tokens of ``example`` in ``encoding``.

    Conversations (``chat``, ``sharegpt``) are counted as the OpenAI cookbook does: 3
    tokens per message, plus the role and the content, plus 3 that prime the reply.
    Other formats count the text of their fields alone. ``assistant`` is the tokens of
    the assistant messages' content, in every format.

    Text that looks like a special token is counted as ordinary text, so this never
    raises on ``<|endoftext|>`` and the like.
    """

    def length(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    assistant = sum(length(m.content) for m in example.messages if m.role == "assistant")
    if example.format in _CONVERSATION_FORMATS:
        total = _TOKENS_FOR_REPLY + sum(
            _TOKENS_PER_MESSAGE + length(m.role) + length(m.content) for m in example.messages
        )
    else:
        total = sum(length(m.content) for m in example.messages)
    return ExampleTokens(total=total, assistant=assistant)


@functools.cache
def _special_token_pattern(specials: frozenset[str]) -> re.Pattern[str]:
    # Longest first, so that a token which is a prefix of another cannot cut it short.
    known = sorted(specials.union(_WELL_KNOWN_SPECIAL_TOKENS), key=lambda s: (-len(s), s))
    return re.compile("|".join([*map(re.escape, known), _GENERIC_SPECIAL_TOKEN]))


def find_special_tokens(text: str, encoding: tiktoken.Encoding) -> tuple[str, ...]:
    """Return the distinct strings in ``text`` that look like special tokens.

    Looks for the encoding's own special tokens, those of other well-known vocabularies
    (``<|im_start|>``, ``<|fim_prefix|>``...) and anything of the form ``<|name|>``;
    they come in the order of their first appearance. Never raises.
    """
    pattern = _special_token_pattern(frozenset(encoding.special_tokens_set))
    return tuple(dict.fromkeys(match.group() for match in pattern.finditer(text)))


@dataclass(frozen=True, slots=True)
class Stats:
    """A summary of a distribution: size, range, mean, median and the 10th/90th percentiles."""

    count: int
    min: int
    max: int
    mean: float
    median: float
    p10: float
    p90: float


def describe(values: Sequence[int]) -> Stats | None:
    """Summarise ``values`` (e.g. tokens per example); None when there are none.

    The percentiles interpolate linearly between the closest ranks, ``p = x[k] +
    (x[k+1] - x[k]) * f`` at position ``(n - 1) * q`` (``statistics.quantiles(...,
    method="inclusive")``, the same as numpy's default); with one value, every figure
    is that value.
    """
    if not values:
        return None
    if len(values) == 1:
        only = values[0]
        return Stats(1, only, only, float(only), float(only), float(only), float(only))
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return Stats(
        count=len(values),
        min=min(values),
        max=max(values),
        mean=statistics.fmean(values),
        median=float(statistics.median(values)),
        p10=float(deciles[0]),
        p90=float(deciles[-1]),
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a fine-tuning job on ``examples`` examples would bill with default epochs.

    ``cost`` is in the currency of the price given (None when no price was given).
    """

    examples: int
    epochs: int
    billed_tokens: int
    cost: float | None


def default_epochs(examples: int) -> int:
    """Return the number of epochs the cookbook expects a job on ``examples`` to run.

    Three, unless that is fewer than 100 or more than 25,000 examples seen in all;
    then as many (at most 25) or as few (at least 1) as reach those bounds. 0 for none.
    """
    if examples <= 0:
        return 0
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


def estimate(
    token_counts: Sequence[int], limit: int, price_per_mtok: float | None = None
) -> Estimate:
    """Estimate the training bill for examples of ``token_counts`` tokens each.

    Each example is billed up to ``limit`` tokens (the service truncates the rest), once
    per epoch, with the default number of epochs (:func:`default_epochs`). With
    ``price_per_mtok`` (a price per million training tokens), ``cost`` is the billed
    tokens at that price. Never raises.
    """
    epochs = default_epochs(len(token_counts))
    billed = epochs * sum(min(limit, count) for count in token_counts)
    cost = None if price_per_mtok is None else billed / 1_000_000 * price_per_mtok
    return Estimate(examples=len(token_counts), epochs=epochs, billed_tokens=billed, cost=cost)


_DASH: Final = "\u2013"  # an en dash, between a bin's first and last value
# Bars are drawn in eighths of a character cell.
_EIGHTHS: Final = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
_NICE_STEPS: Final = (1, 2, 5)
# Above this max/min ratio the values are spread over orders of magnitude (the usual
# case for tokens per example), and equal-width bins would put nearly all of them in
# the first bin; bins of powers of two show the shape instead.
_LOG_RATIO: Final = 32


def _nice_widths(start: int) -> Iterable[int]:
    """Yield 1, 2, 5, 10, 20, 50... from the first that is at least ``start``."""
    magnitude = 10 ** max(0, len(str(max(1, start))) - 1)
    while True:
        for step in _NICE_STEPS:
            if step * magnitude >= start:
                yield step * magnitude
        magnitude *= 10


def _linear_bins(low: int, high: int, bins: int) -> list[tuple[int, int]]:
    raw = max(1, math.ceil((high - low + 1) / bins))
    width = next(w for w in _nice_widths(raw) if high // w - low // w + 1 <= bins)
    first = low // width * width
    return [(s, s + width - 1) for s in range(first, high + 1, width)]


def _log_bins(low: int, high: int, bins: int) -> list[tuple[int, int]]:
    low_exp = max(1, low).bit_length() - 1
    high_exp = high.bit_length() - 1
    group = math.ceil((high_exp - low_exp + 1) / bins)
    edges = [(2**e, 2 ** (e + group) - 1) for e in range(low_exp, high_exp + 1, group)]
    if low == 0:
        edges[0] = (0, edges[0][1])
    return edges


def _bar(count: int, largest: int, width: int) -> str:
    eighths = round(count * width * 8 / largest)
    if count and not eighths:
        eighths = 1  # a bin with anything in it never looks empty
    return "█" * (eighths // 8) + _EIGHTHS[eighths % 8]


def histogram(values: Sequence[int], *, bins: int = 10, width: int = 40) -> list[str]:
    """Draw ``values`` (e.g. tokens per example, all ≥ 0) as a text histogram.

    Returns one line per bin, ``"   512-1023 │████████▌      │ 37"`` (with an en dash): the
    bin's range, a bar scaled so that the largest bin fills ``width`` cells, and the
    count. At most ``bins`` lines; an empty input gives ``[]``, equal values one line.

    The bins are equal-width, with a width of 1, 2 or 5 times a power of ten, unless the
    largest value is more than 32 times the smallest: then each bin spans a power of two
    (512 to 1023), several when that would make more than ``bins`` lines.
    """
    if not values:
        return []
    low, high = min(values), max(values)
    bins = max(1, bins)
    width = max(1, width)
    if low == high:
        ranges = [(low, high)]
    elif high > _LOG_RATIO * max(1, low):
        ranges = _log_bins(low, high, bins)
    else:
        ranges = _linear_bins(low, high, bins)

    counts = [0] * len(ranges)
    starts = [start for start, _ in ranges]
    for value in values:
        # The last bin whose start is ≤ value; ranges are contiguous and cover them all.
        index = bisect.bisect_right(starts, value) - 1
        counts[max(0, index)] += 1

    labels = [str(a) if a == b else f"{a}{_DASH}{b}" for a, b in ranges]
    label_width = max(map(len, labels))
    count_width = max(len(str(c)) for c in counts)
    largest = max(counts)
    return [
        f"{label:>{label_width}} │{_bar(count, largest, width):<{width}}│ {count:>{count_width}}"
        for label, count in zip(labels, counts, strict=True)
    ]
