"""The ``tokens`` chunker: parts of at most N tokens of a tiktoken encoding.

The document is encoded once; windows are measured on token offsets, and a part ends on
the same boundaries as ``chars`` wherever one lies inside the window. A window never
ends inside a character, so a part never holds a U+FFFD that the post did not. Each
part is encoded once more on its own to count its tokens exactly: the budget is a hard
limit, and a part cut out of a longer text can tokenize a little differently at its
edges than it did inside it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress
from typing import TYPE_CHECKING

from ..models import Chunk, Document, Heading
from ..tokenizer import encoding_for_model, get_encoding
from .boundaries import overlap_start, skip_space, trim_end
from .cut import choose_cut

if TYPE_CHECKING:
    import tiktoken

__all__ = ["MIN_TOKENS", "TokenOffsets", "TokensChunker", "resolve_encoding", "split_tokens"]

#: The smallest budget accepted: one character can take four tokens.
MIN_TOKENS = 8


def resolve_encoding(encoding: str | None, model: str | None) -> str:
    """The encoding name from ``--encoding`` and ``--model`` (default ``o200k_base``)."""
    if model is None:
        return encoding or "o200k_base"
    by_model = encoding_for_model(model)
    if encoding is not None and encoding != by_model:
        raise ValueError(f"model {model!r} uses {by_model}, not {encoding}")
    return by_model


@dataclass(frozen=True, slots=True)
class TokenOffsets:
    """Where a text's tokens may be cut: ``chars[i]`` is a character offset at which
    ``counts[i]`` tokens have ended exactly (offsets inside a character are left out)."""

    chars: list[int]
    counts: list[int]

    @classmethod
    def of(cls, encoding: tiktoken.Encoding, text: str) -> TokenOffsets:
        """Encode ``text`` once and record its token boundaries.

        Works from per-token tables (characters each token starts; whether it begins
        inside a character), so no Python code runs per token but C-level iteration.
        """
        tokens = encoding.encode_ordinary(text)
        starts, continues = _char_tables(encoding)
        # Characters started by the end of each token: at a boundary where the next
        # token does not begin inside a character, that is the character offset.
        ends = list(accumulate(map(starts.__getitem__, tokens)))
        if text.isascii():
            return cls([0, *ends], list(range(len(tokens) + 1)))
        clean = [not flag for flag in map(continues.__getitem__, tokens[1:])]
        clean.append(True)
        chars = [0, *compress(ends, clean)]
        counts = [0, *compress(range(1, len(tokens) + 1), clean)]
        return cls(chars, counts)

    def tokens_before(self, position: int) -> int:
        """Tokens that end at or before the boundary at or before ``position``."""
        return self.counts[bisect_right(self.chars, position) - 1]

    def position_after(self, tokens: int) -> int:
        """The last boundary at which at most ``tokens`` tokens have ended."""
        return self.chars[bisect_right(self.counts, tokens) - 1]

    def position_at_least(self, tokens: int) -> int:
        """The first boundary at which at least ``tokens`` tokens have ended."""
        index = bisect_right(self.counts, tokens - 1)
        return self.chars[min(index, len(self.chars) - 1)]


_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that never start a character


@cache
def _char_tables(encoding: tiktoken.Encoding) -> tuple[list[int], list[bool]]:
    """Per token rank: how many characters its bytes start, and whether its first byte
    continues a character begun by the token before. Built once per encoding."""
    size = encoding.max_token_value + 1
    starts, continues = [0] * size, [False] * size
    for rank in range(size):
        try:
            piece = encoding.decode_single_token_bytes(rank)
        except KeyError:  # a gap in the vocabulary, never produced by encode_ordinary
            continue
        starts[rank] = len(piece.translate(None, _CONTINUATION))
        continues[rank] = bool(piece) and 0x80 <= piece[0] < 0xC0
    return starts, continues


class TokensChunker:
    """Parts of at most ``max_tokens`` tokens of ``encoding`` (or ``model``'s encoding)."""

    def __init__(
        self,
        max_tokens: int = 512,
        overlap: int = 0,
        encoding: str | None = None,
        model: str | None = None,
    ) -> None:
        if max_tokens < MIN_TOKENS:
            raise ValueError(f"max_tokens must be at least {MIN_TOKENS}")
        if not 0 <= overlap < max_tokens:
            raise ValueError("overlap must be at least 0 and less than max_tokens")
        self.max_tokens = max_tokens
        self.overlap = overlap
        self.encoding_name = resolve_encoding(encoding, model)
        self.encoding = get_encoding(self.encoding_name)

    def chunk(self, document: Document) -> Iterator[Chunk]:
        """Yield the document's parts; see :func:`split_tokens`."""
        text = document.text
        offsets = TokenOffsets.of(self.encoding, text)
        spans = split_tokens(
            text,
            0,
            len(text),
            self.encoding,
            offsets,
            self.max_tokens,
            self.overlap,
            document.headings,
        )
        for part, (start, end, tokens) in enumerate(spans, 1):
            yield Chunk(text[start:end], part, start, end, document.heading_path(start), tokens)


def split_tokens(
    text: str,
    start: int,
    stop: int,
    encoding: tiktoken.Encoding,
    offsets: TokenOffsets,
    max_tokens: int,
    overlap: int = 0,
    headings: Sequence[Heading] = (),
) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, tokens)`` for parts of ``text[start:stop]`` within the budget.

    ``offsets`` are the token boundaries of the whole ``text``. Parts carry no
    whitespace at either end and count at most ``max_tokens`` tokens when encoded alone.
    """
    position = skip_space(text, start)
    while position < stop:
        allowed = offsets.tokens_before(position) + max_tokens
        limit = offsets.position_after(allowed)
        while True:
            limit = min(max(limit, position + 1), stop)
            cut = choose_cut(text, position, limit, stop, headings)
            end = trim_end(text, position, cut)
            tokens = len(encoding.encode_ordinary(text[position:end]))
            if tokens <= max_tokens:
                break
            # Encoded alone, the part came out longer: pull the window in by the excess.
            allowed = min(allowed, offsets.tokens_before(end)) - (tokens - max_tokens)
            shorter = offsets.position_after(allowed)
            limit = shorter if shorter > position else position + max(1, (end - position) // 2)
        yield position, end, tokens
        following = skip_space(text, cut)
        if overlap and following < stop:
            back = offsets.position_at_least(offsets.tokens_before(end) - overlap)
            if back < end:
                candidate = overlap_start(text, position, end, end - back)
                following = max(min(candidate, following), position + 1)
        position = following
