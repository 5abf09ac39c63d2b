"""The ``headings`` chunker: one part per section, split at headings of level <= N.

Sections shorter than a minimum merge with the next one; a section over the budget is
cut further by the ``tokens`` chunker's rules (or ``chars`` when the budget is given in
characters). Each part knows its heading path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

from ..models import Chunk, Document
from .boundaries import skip_space, trim_end
from .chars import split_chars
from .tokens import MIN_TOKENS, TokenOffsets, resolve_encoding, split_tokens

__all__ = ["HeadingsChunker"]


class HeadingsChunker:
    """Sections as parts, each within ``max_tokens`` tokens or ``max_chars`` characters."""

    def __init__(
        self,
        heading_level: int = 2,
        max_tokens: int | None = None,
        max_chars: int | None = None,
        min_size: int | None = None,
        overlap: int = 0,
        encoding: str | None = None,
        model: str | None = None,
    ) -> None:
        if not 1 <= heading_level <= 6:
            raise ValueError("heading_level must be between 1 and 6")
        if max_tokens is not None and max_chars is not None:
            raise ValueError("give the budget in tokens or in characters, not both")
        self.heading_level = heading_level
        self.in_chars = max_chars is not None
        self.budget = max_chars if max_chars is not None else (max_tokens or 512)
        smallest = 1 if self.in_chars else MIN_TOKENS
        if self.budget < smallest:
            raise ValueError(f"the budget must be at least {smallest}")
        if not 0 <= overlap < self.budget:
            raise ValueError("overlap must be at least 0 and less than the budget")
        self.min_size = self.budget // 8 if min_size is None else min_size
        self.overlap = overlap
        self.encoding_name = resolve_encoding(encoding, model)
        if not self.in_chars:
            from ..tokenizer import get_encoding
            from .tokens import prepare_offsets

            self.encoding = get_encoding(self.encoding_name)
            prepare_offsets(self.encoding)  # now, so that -j's workers inherit it

    def chunk(self, document: Document) -> Iterator[Chunk]:
        """Yield one part per (merged) section, cutting sections over the budget."""
        text = document.text
        offsets = None if self.in_chars else TokenOffsets.of(self.encoding, text)

        def size(start: int, end: int) -> int:
            if offsets is None:
                return end - start
            return offsets.tokens_before(end) - offsets.tokens_before(start)

        part = 0
        for start, stop in self._sections(document, size):
            if offsets is None:
                spans: Iterator[tuple[int, int, int | None]] = (
                    (s, e, None)
                    for s, e in split_chars(
                        text, start, stop, self.budget, self.overlap, document.headings
                    )
                )
            else:
                spans = split_tokens(
                    text,
                    start,
                    stop,
                    self.encoding,
                    offsets,
                    self.budget,
                    self.overlap,
                    document.headings,
                )
            for span_start, span_end, tokens in spans:
                part += 1
                yield Chunk(
                    text[span_start:span_end],
                    part,
                    span_start,
                    span_end,
                    document.heading_path(span_start),
                    tokens,
                )

    def _sections(
        self, document: Document, measure: Callable[[int, int], int]
    ) -> list[tuple[int, int]]:
        """Section spans, a heading-only or too-small section merged into the next."""
        text = document.text
        cuts = [h.start for h in document.headings if h.level <= self.heading_level]
        bounds = sorted({0, *cuts, len(text)})
        heading_ends = {h.start: h.end for h in document.headings}
        merged: list[tuple[int, int]] = []
        pending: int | None = None
        for start, end in pairwise(bounds):
            if trim_end(text, skip_space(text, start), end) <= start:
                continue  # whitespace only
            if pending is not None:
                start, pending = pending, None
            body = skip_space(text, heading_ends.get(start, start))
            if trim_end(text, body, end) <= body or measure(start, end) < self.min_size:
                pending = start
                continue
            merged.append((start, end))
        if pending is not None:
            if merged and measure(merged[-1][0], len(text)) <= self.budget:
                merged[-1] = (merged[-1][0], len(text))
            else:
                merged.append((pending, len(text)))
        return merged
