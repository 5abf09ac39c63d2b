"""The ``chars`` chunker: parts of at most N characters, cut at the best boundary."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..models import Chunk, Document, Heading
from .boundaries import overlap_start, skip_space, trim_end
from .cut import choose_cut

__all__ = ["CharsChunker", "split_chars"]


class CharsChunker:
    """Parts of at most ``max_chars`` characters (code points), ``overlap`` shared."""

    def __init__(self, max_chars: int = 2000, overlap: int = 0) -> None:
        if max_chars < 1:
            raise ValueError("max_chars must be at least 1")
        if not 0 <= overlap < max_chars:
            raise ValueError("overlap must be at least 0 and less than max_chars")
        self.max_chars = max_chars
        self.overlap = overlap

    def chunk(self, document: Document) -> Iterator[Chunk]:
        """Yield the document's parts; see :func:`split_chars`."""
        spans = split_chars(
            document.text, 0, len(document.text), self.max_chars, self.overlap, document.headings
        )
        for part, (start, end) in enumerate(spans, 1):
            yield Chunk(document.text[start:end], part, start, end, document.heading_path(start))


def split_chars(
    text: str,
    start: int,
    stop: int,
    max_chars: int,
    overlap: int = 0,
    headings: Sequence[Heading] = (),
) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` spans of ``text[start:stop]``, each at most ``max_chars`` long.

    Spans have no whitespace at either end; the gaps between them are whitespace, or, with
    ``overlap``, the next span starts up to ``overlap`` characters before the last ended.
    """
    position = skip_space(text, start)
    while position < stop:
        cut = choose_cut(text, position, min(position + max_chars, stop), stop, headings)
        end = trim_end(text, position, cut)
        if end <= position:
            break
        yield position, end
        following = skip_space(text, cut)
        if overlap and following < stop:
            following = max(
                min(overlap_start(text, position, end, overlap), following), position + 1
            )
        position = following
