"""Where a part ends: the best boundary in a window, never right after a heading."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import islice
from operator import attrgetter

from ..models import Heading
from .boundaries import best_cut, skip_space, trim_end

__all__ = ["choose_cut"]


def choose_cut(text: str, start: int, limit: int, stop: int, headings: Sequence[Heading]) -> int:
    """The end of the part that begins at ``start`` and may reach ``limit`` (< ``stop``).

    Like :func:`best_cut`, but a part does not end with a heading: when the best cut
    leaves a heading as the part's last line, the part ends before that heading, or,
    when the heading opens the part, somewhere in the text after it.
    """
    if limit >= stop:
        return stop
    cut = best_cut(text, start, limit)
    end = trim_end(text, start, cut)
    # Headings are in text order: those before the part are skipped by bisection, so a
    # post of many headings and many parts costs no pass over all its headings per part.
    for heading in islice(headings, bisect_left(headings, start, key=_START), None):
        if heading.start >= end:
            break
        if heading.end < end or text[heading.end : end].strip():
            continue
        # The part would end with this heading.
        if trim_end(text, start, heading.start) > start:
            return best_cut(text, start, heading.start)
        after = skip_space(text, heading.end)
        if after < limit:
            return best_cut(text, after, limit)
    return cut


_START = attrgetter("start")
