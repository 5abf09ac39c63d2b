"""The ``tokens`` chunker: parts of at most N tokens of a tiktoken encoding.

The document is encoded once; windows are measured on token offsets, and a part ends on
the same boundaries as ``chars`` wherever one lies inside the window. A window never
ends inside a character, so a part never holds a U+FFFD that the post did not.

The budget is a hard limit on a part encoded on its own, and a part cut out of a longer
text can tokenize a little differently at its edges than it did inside it. A part's
count is therefore exact, but only its edges are encoded again: tiktoken first splits
text into pieces with a regular expression and encodes each piece alone, and at some
places (:data:`_PIECE_EDGE`) every split of any text has a piece boundary that nothing
after it can move. Between the first such place after a part's start and the last one
well before its end, the part has exactly the document's tokens.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, compress, islice
from typing import TYPE_CHECKING

import regex  # type: ignore[import-untyped, unused-ignore]

from ..models import Chunk, Document, Heading
from ..tokenizer import encoding_for_model, get_encoding
from .boundaries import overlap_start, skip_space, trim_end
from .cut import choose_cut

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "MIN_TOKENS",
    "TokenOffsets",
    "TokensChunker",
    "count_tokens",
    "resolve_encoding",
    "split_tokens",
]

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


# Places where tiktoken's pre-tokenizer (the cl100k_base and o200k_base patterns) always
# ends a piece, whatever comes after: after a letter that a space, tab, newline or
# sentence punctuation follows (no letter piece takes one of those in; o200k's "'s"
# suffix needs an apostrophe), and after a newline that a letter, digit, CJK ideograph or
# Markdown line start follows (a run of newlines or a punctuation piece ends there; o200k
# lets a punctuation piece take a "/" after its newlines, so "/" is left out). No piece
# before such a place looks more than two characters past it. The letter classes are
# spelled out as ranges that every Unicode version agrees are letters, rather than
# \p{L}, whose extent depends on the Unicode version of each library.
_LETTER = (
    r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin
    r"\u0410-\u044f\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff"  # Cyrillic, kana, CJK
)
_PIECE_EDGE_PATTERN = (
    rf"(?<=[{_LETTER}])(?=[ \t\n,.;:!?\uff0c\u3002\u3001\uff1b\uff1a\uff01\uff1f])"
    rf"|(?<=\n)(?=[{_LETTER}0-9#*>\-\[(|])"
)
_PIECE_EDGE = regex.compile(_PIECE_EDGE_PATTERN)
_PIECE_EDGE_REVERSED = regex.compile("(?r)" + _PIECE_EDGE_PATTERN)
#: The encodings whose pre-tokenizer patterns :data:`_PIECE_EDGE` was derived from.
_EDGE_ENCODINGS = frozenset({"cl100k_base", "o200k_base"})
# How long a text TokenOffsets.of encodes in one go, in characters.
_SEGMENT = 1 << 16
# A part's last edge is this many characters before its end, at least: the piece before
# an edge may look two characters past it.
_EDGE_MARGIN = 4


@dataclass(frozen=True, slots=True)
class TokenOffsets:
    """Where a text's tokens may be cut: ``chars[i]`` is a character offset at which
    ``counts[i]`` tokens have ended exactly (offsets inside a character are left out)."""

    chars: Sequence[int]
    counts: Sequence[int]

    @classmethod
    def of(cls, encoding: tiktoken.Encoding, text: str) -> TokenOffsets:
        """Encode ``text`` once and record its token boundaries.

        Works from per-token tables (characters each token starts; whether it begins
        a character), so no Python code runs per token but C-level iteration, and keeps
        the offsets in arrays of machine integers. A long text is encoded a segment at a
        time, cut at piece edges (which gives the same tokens), so that a post of many
        megabytes never has all its tokens in a Python list at once.
        """
        starts, begins = _char_tables(encoding)
        code = "i" if len(text) < 2**31 else "q"
        chars, counts = array(code, [0]), array(code, [0])
        done = 0  # tokens before the segment
        for start, end in _segments(text, encoding.name):
            tokens = encoding.encode_ordinary(text[start:end])
            # Characters started by the end of each token: at a boundary where the next
            # token begins a character, that is the character offset.
            ends = accumulate(map(starts.__getitem__, tokens), initial=start)
            next(ends)
            numbers = range(done + 1, done + len(tokens) + 1)
            done += len(tokens)
            if text.isascii():
                chars.extend(ends)
                continue
            clean = chain(map(begins.__getitem__, islice(tokens, 1, None)), (True,))
            chars.extend(compress(ends, clean))
            clean = chain(map(begins.__getitem__, islice(tokens, 1, None)), (True,))
            counts.extend(compress(numbers, clean))
        return cls(chars, range(done + 1) if text.isascii() else counts)

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


def count_tokens(
    text: str, start: int, end: int, encoding: tiktoken.Encoding, offsets: TokenOffsets
) -> int:
    """``len(encoding.encode_ordinary(text[start:end]))``, encoding only the edges.

    ``offsets`` are the token boundaries of the whole ``text``. Between the first piece
    edge at or after ``start`` and the last one a few characters before ``end``, the
    part's tokens are the text's; only what lies outside them is encoded again.
    """
    if encoding.name in _EDGE_ENCODINGS and end - start > 2 * _EDGE_MARGIN:
        first = start if start == 0 else _first_edge(text, start, end - _EDGE_MARGIN)
        if first is not None:
            last = _PIECE_EDGE_REVERSED.search(text, first + 1, end - _EDGE_MARGIN + 1)
            if last is not None:
                middle = offsets.tokens_before(last.start()) - offsets.tokens_before(first)
                head = len(encoding.encode_ordinary(text[start:first])) if first > start else 0
                return head + middle + len(encoding.encode_ordinary(text[last.start() : end]))
    return len(encoding.encode_ordinary(text[start:end]))


def _segments(text: str, encoding: str) -> Iterator[tuple[int, int]]:
    """``text`` in spans of about :data:`_SEGMENT` characters, cut at piece edges."""
    start = 0
    while encoding in _EDGE_ENCODINGS and len(text) - start > 2 * _SEGMENT:
        edge = _first_edge(text, start + _SEGMENT, len(text))
        if edge is None:
            break
        yield start, edge
        start = edge
    yield start, len(text)


def _first_edge(text: str, start: int, stop: int) -> int | None:
    found = _PIECE_EDGE.search(text, start, stop)
    return None if found is None else found.start()


_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that never start a character


@cache
def _char_tables(encoding: tiktoken.Encoding) -> tuple[list[int], list[bool]]:
    """Per token rank: how many characters its bytes start, and whether its first byte
    begins a character (rather than continuing one begun by the token before). Built
    once per encoding."""
    size = encoding.max_token_value + 1
    starts, begins = [0] * size, [True] * size
    for rank in range(size):
        try:
            piece = encoding.decode_single_token_bytes(rank)
        except KeyError:  # a gap in the vocabulary, never produced by encode_ordinary
            continue
        starts[rank] = len(piece.translate(None, _CONTINUATION))
        begins[rank] = not piece or not 0x80 <= piece[0] < 0xC0
    return starts, begins


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
            tokens = count_tokens(text, position, end, encoding, offsets)
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
