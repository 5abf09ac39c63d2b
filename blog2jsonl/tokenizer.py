"""Token counting with tiktoken, working offline for the encodings blog2jsonl ships.

``tiktoken.get_encoding()`` downloads its BPE file on first use, which fails on
air-gapped machines and on networks that cannot reach the download host. The package
therefore carries ``o200k_base`` and ``cl100k_base`` in ``blog2jsonl/encodings/`` and
builds those encodings itself; every other name is left to tiktoken.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from .errors import OptionsError

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "BUNDLED_ENCODINGS",
    "count_tokens",
    "encoding_for_model",
    "get_encoding",
    "token_byte_lengths",
]

_ENDOFTEXT = "<|endoftext|>"
_FIM_PREFIX = "<|fim_prefix|>"
_FIM_MIDDLE = "<|fim_middle|>"
_FIM_SUFFIX = "<|fim_suffix|>"
_ENDOFPROMPT = "<|endofprompt|>"


@dataclass(frozen=True, slots=True)
class _BundledEncoding:
    """What tiktoken needs, besides the BPE ranks, to build one of our bundled encodings.

    The values must stay identical to ``tiktoken_ext/openai_public.py``: an encoding
    that splits or numbers special tokens differently would count tokens differently
    from the models it claims to describe. ``tests/test_tokenizer.py`` checks this.
    """

    sha256: str
    pat_str: str
    special_tokens: Mapping[str, int]
    #: Whether the file's ranks are 0, 1, 2... in line order, so that they need not be
    #: parsed: a fixed property of the file ``sha256`` pins, which the tests check.
    ranks_in_line_order: bool = False


# Ordered so that the default encoding (the one current models use) comes first.
_BUNDLED: Mapping[str, _BundledEncoding] = {
    "o200k_base": _BundledEncoding(
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str="|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        special_tokens={_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
        ranks_in_line_order=True,
    ),
    "cl100k_base": _BundledEncoding(
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        # Kept on one line, as upstream has it, so the two can be compared by eye.
        pat_str=r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
        special_tokens={
            _ENDOFTEXT: 100257,
            _FIM_PREFIX: 100258,
            _FIM_MIDDLE: 100259,
            _FIM_SUFFIX: 100260,
            _ENDOFPROMPT: 100276,
        },
        ranks_in_line_order=True,
    ),
}

BUNDLED_ENCODINGS: tuple[str, ...] = tuple(_BUNDLED)
"""Encodings that :func:`get_encoding` builds from files inside the package, offline."""


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """Return the tiktoken encoding called ``name``, built once per name and then cached.

    The names in :data:`BUNDLED_ENCODINGS` are built from the BPE files shipped in
    ``blog2jsonl/encodings/`` and never touch the network. Any other name is handed to
    ``tiktoken.get_encoding()``, which may download its file.

    Raises :class:`~blog2jsonl.errors.OptionsError` when the name is unknown to
    tiktoken or its file cannot be fetched (for instance with no network).
    """
    spec = _BUNDLED.get(name)
    if spec is not None:
        return _build_bundled(name, spec)

    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    # Unknown names and hash mismatches are ValueError; network failures surface as
    # requests' exceptions, which are OSError; a missing requests/blobfile is ImportError.
    except (ValueError, OSError, ImportError) as exc:
        # tiktoken's own messages run on for lines (plugin list, version hints); the
        # first line is the reason, and the full text stays on the chained exception.
        reason = str(exc).partition("\n")[0] or type(exc).__name__
        raise OptionsError(
            f"cannot load tiktoken encoding {name!r} ({reason}); "
            f"the encodings that work offline are: {', '.join(BUNDLED_ENCODINGS)}"
        ) from exc


def _build_bundled(name: str, spec: _BundledEncoding) -> tiktoken.Encoding:
    # Read and verify the file ourselves: tiktoken's load_tiktoken_bpe() copies even a
    # local file into its download cache, which writes to the user's temp folder on
    # every new cache and fails where TIKTOKEN_CACHE_DIR is not writable.
    data = (resources.files("blog2jsonl") / "encodings" / f"{name}.tiktoken").read_bytes()
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise OptionsError(f"the bundled encoding file {name}.tiktoken is corrupt (bad SHA-256)")
    ranks = _mergeable_ranks(data, spec.ranks_in_line_order)
    encoding = _bundled_type()(
        name,
        pat_str=spec.pat_str,
        mergeable_ranks=ranks,
        # A copy, so that nothing tiktoken does can reach our module-level data.
        special_tokens=dict(spec.special_tokens),
    )
    if spec.ranks_in_line_order:  # the ranks' keys are in rank order: 0, 1, 2...
        lengths = list(map(len, ranks))
        lengths += [0] * (encoding.max_token_value + 1 - len(lengths))
    else:
        lengths = [0] * (encoding.max_token_value + 1)
        for token, rank in ranks.items():
            lengths[rank] = len(token)
    for special, rank in spec.special_tokens.items():
        lengths[rank] = len(special.encode())
    encoding.byte_lengths = lengths  # type: ignore[attr-defined]
    # tiktoken keeps the ranks it was given only to pickle the encoding; its Rust core
    # holds its own copy. Dropped, they no longer cost each process ~15 MB (cl100k_base)
    # or ~30 MB (o200k_base).
    del encoding._mergeable_ranks
    return encoding


@functools.cache
def _bundled_type() -> type[tiktoken.Encoding]:
    import tiktoken

    class BundledEncoding(tiktoken.Encoding):
        """An encoding built from a file of the package: pickled as its name."""

        def __reduce__(self) -> tuple[Callable[[str], tiktoken.Encoding], tuple[str]]:
            return get_encoding, (self.name,)

    return BundledEncoding


def _mergeable_ranks(data: bytes, in_line_order: bool) -> dict[bytes, int]:
    """The token-to-rank table of a ``.tiktoken`` file: ``<base64 token> <rank>`` lines.

    This runs once per process for each encoding used, so it avoids per-line Python
    work: one split of the whole file gives tokens and ranks alternately, and
    ``a2b_base64`` is what ``base64.b64decode`` calls after checking its argument.
    """
    fields = data.split()
    tokens = map(binascii.a2b_base64, fields[0::2])
    ranks = range(len(fields) // 2) if in_line_order else map(int, fields[1::2])
    return dict(zip(tokens, ranks, strict=True))


@functools.cache
def token_byte_lengths(encoding: tiktoken.Encoding) -> list[int]:
    """Each token rank's length in bytes in ``encoding`` (0 for ranks it has no token
    for), built once per encoding: from the file for the bundled ones, else by decoding
    the ranks in bulk (one at a time where the vocabulary has gaps)."""
    known: list[int] | None = getattr(encoding, "byte_lengths", None)
    if known is not None:
        return known
    lengths: list[int] = []
    size = encoding.max_token_value + 1
    for first in range(0, size, _RANKS_AT_ONCE):
        ranks = range(first, min(first + _RANKS_AT_ONCE, size))
        try:
            lengths.extend(map(len, encoding.decode_tokens_bytes(list(ranks))))
        except KeyError:
            lengths.extend(_length_or_zero(encoding, rank) for rank in ranks)
    return lengths


_RANKS_AT_ONCE = 1 << 12


def _length_or_zero(encoding: tiktoken.Encoding, rank: int) -> int:
    try:
        return len(encoding.decode_single_token_bytes(rank))
    except KeyError:
        return 0


def encoding_for_model(model: str) -> str:
    """Return the name of the tiktoken encoding that ``model`` (e.g. ``gpt-4o``) uses.

    This is a table lookup in tiktoken and needs no network; the encoding itself is
    not loaded. Raises :class:`~blog2jsonl.errors.OptionsError` when tiktoken does
    not know the model.
    """
    from tiktoken.model import encoding_name_for_model

    try:
        return encoding_name_for_model(model)
    except KeyError:
        raise OptionsError(
            f"tiktoken does not know which encoding model {model!r} uses; "
            f"give one with --encoding instead (offline: {', '.join(BUNDLED_ENCODINGS)})"
        ) from None


def count_tokens(text: str, encoding: str = "o200k_base") -> int:
    """Return how many tokens ``text`` is in ``encoding`` (a tiktoken encoding name).

    Text that looks like a special token, such as ``<|endoftext|>``, is counted as the
    ordinary text it is: a blog post about tokenizers may well quote one, and it must
    neither raise nor shrink to a single control token.

    Raises :class:`~blog2jsonl.errors.OptionsError` when the encoding cannot be loaded
    (see :func:`get_encoding`).
    """
    return len(get_encoding(encoding).encode_ordinary(text))
