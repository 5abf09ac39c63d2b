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
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING

import regex  # type: ignore[import-untyped, unused-ignore]

from ..models import Chunk, Document, Heading
from ..tokenizer import encoding_for_model, get_encoding, token_byte_lengths
from .boundaries import overlap_start, skip_space, trim_end
from .cut import choose_cut

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "MIN_TOKENS",
    "TokenOffsets",
    "TokensChunker",
    "count_part_tokens",
    "prepare_offsets",
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
# A part's last edge is this many characters before its end, at least: the piece before
# an edge may look two characters past it.
_EDGE_MARGIN = 4


# How long a text TokenOffsets.of encodes in one go, in characters.
_SEGMENT = 1 << 16
# Characters between two entries of TokenOffsets.blocks.
_BLOCK = 1 << 8
# Tokens between two entries of TokenOffsets.marks.
_STRIDE = 1 << 6


@dataclass(frozen=True, slots=True)
class TokenOffsets:
    """Where a text's tokens end, and so where it may be cut by token counts.

    ``lengths[k]`` is the UTF-8 length of the text's token ``k`` (a byte each, for the
    bundled encodings), and ``marks[i]`` the byte offset at which the first
    ``i * stride`` tokens end; the offset after any number of tokens is a mark plus the
    sum of fewer than ``stride`` lengths. A boundary inside a character's bytes
    (byte-level BPE splits Chinese characters and emoji) is never a place to cut, and
    the queries skip it. Character offsets are worked out only for the few boundaries a
    chunker asks about, from ``data`` (the text's UTF-8) and ``blocks`` (the byte
    offset of every ``block``-th character); ASCII text needs neither.
    """

    text: str
    lengths: Sequence[int]
    marks: Sequence[int]
    data: bytes | None = None
    blocks: Sequence[int] = ()
    block: int = _BLOCK
    stride: int = _STRIDE
    # tokens_before's answers: a chunker asks about most positions more than once.
    known: dict[int, int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, encoding: tiktoken.Encoding, text: str) -> TokenOffsets:
        """Encode ``text`` once and record how long its tokens are.

        Looks each token's length up in a table with one C call per segment (no Python
        code runs per token). A long text is encoded a segment at a time, cut at piece edges
        (which gives the same tokens), so that a post of many megabytes never has all
        its tokens in a Python list at once.
        """
        table, wide = _byte_lengths(encoding)
        segments = _segments(text, encoding.name)
        pieces = (encoding.encode_ordinary(text[start:end]) for start, end in segments)
        lengths: Sequence[int]
        if wide:  # a token longer than 255 bytes: none of the bundled encodings has one
            lengths = array("H")
            for tokens in pieces:
                lengths.extend(_look_up(table, tokens))
        else:  # bytes() is the fastest to fill
            lengths = b"".join(bytes(_look_up(table, tokens)) for tokens in pieces)
        steps = (sum(lengths[i : i + _STRIDE]) for i in range(0, len(lengths), _STRIDE))
        marks = array("q", accumulate(steps, initial=0))
        if text.isascii():
            return cls(text, lengths, marks, stride=_STRIDE)
        # The byte offsets of characters 0, _BLOCK, 2 * _BLOCK... up to len(text).
        whole = range(0, len(text) // _BLOCK * _BLOCK, _BLOCK)
        sizes = (len(_utf8(text[i : i + _BLOCK])) for i in whole)
        blocks = array("q", accumulate(sizes, initial=0))
        return cls(text, lengths, marks, _utf8(text), blocks, _BLOCK, _STRIDE)

    @property
    def tokens(self) -> int:
        """How many tokens the text is."""
        return len(self.lengths)

    def tokens_before(self, position: int) -> int:
        """Tokens that end at or before the boundary at or before ``position``."""
        count = self.known.get(position)
        if count is None:
            count = self.known[position] = self._tokens_before(position)
        return count

    def _tokens_before(self, position: int) -> int:
        offset = self._byte(position)
        total, stride = len(self.lengths), self.stride
        mark = min(bisect_right(self.marks, offset) - 1, total // stride)
        first = mark * stride
        ends = list(accumulate(self.lengths[first : first + stride], initial=self.marks[mark]))
        count = first + bisect_right(ends, offset) - 1  # ends[i]: where token first + i ends
        data = self.data
        if data is not None and count < total and 0x80 <= data[ends[count - first]] < 0xC0:
            while not self._clean(count):  # inside a character: back to where one begins
                count -= 1
        return count

    def position_after(self, tokens: int) -> int:
        """The last boundary at which at most ``tokens`` tokens have ended."""
        count = min(max(tokens, 0), self.tokens)
        while not self._clean(count):
            count -= 1
        return self._char(self._end(count))

    def position_at_least(self, tokens: int) -> int:
        """The first boundary at which at least ``tokens`` tokens have ended."""
        count = min(max(tokens, 0), self.tokens)
        while not self._clean(count):
            count += 1
        return self._char(self._end(count))

    def _end(self, count: int) -> int:
        """The byte offset at which the first ``count`` tokens end."""
        mark, extra = divmod(count, self.stride)
        first = mark * self.stride
        return self.marks[mark] + sum(self.lengths[first : first + extra])

    def _clean(self, count: int) -> bool:
        """Whether the token after the first ``count`` begins a character."""
        data = self.data
        if data is None or count == self.tokens:
            return True
        return not 0x80 <= data[self._end(count)] < 0xC0

    def _byte(self, position: int) -> int:
        if self.data is None:
            return position
        block = position // self.block
        return self.blocks[block] + len(_utf8(self.text[block * self.block : position]))

    def _char(self, offset: int) -> int:
        if self.data is None:
            return offset
        block = bisect_right(self.blocks, offset) - 1
        run = self.data[self.blocks[block] : offset]
        return block * self.block + len(run.decode("utf-8", "surrogatepass"))


def _look_up(table: list[int], tokens: list[int]) -> tuple[int, ...]:
    """``table[token]`` for each token: an itemgetter of them all does it a quarter
    faster than mapping ``table.__getitem__``."""
    if len(tokens) > 1:
        found: tuple[int, ...] = itemgetter(*tokens)(table)
        return found
    return tuple(table[token] for token in tokens)  # one returns no tuple, none raises


def _utf8(text: str) -> bytes:
    # A lone surrogate (possible in a Document built by hand) takes three bytes, as the
    # U+FFFD tiktoken encodes in its place does.
    return text.encode("utf-8", "surrogatepass")


def count_part_tokens(
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


def prepare_offsets(encoding: tiktoken.Encoding) -> None:
    """Build what :meth:`TokenOffsets.of` needs for ``encoding`` (once per process)."""
    _byte_lengths(encoding)


@cache
def _byte_lengths(encoding: tiktoken.Encoding) -> tuple[list[int], bool]:
    """The byte length of each rank, and whether one is longer than a byte can say."""
    table = token_byte_lengths(encoding)
    return table, max(table, default=0) > 255


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
        prepare_offsets(self.encoding)  # now, so that -j's workers inherit it

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
            tokens = count_part_tokens(text, position, end, encoding, offsets)
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
