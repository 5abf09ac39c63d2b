"""Where text may be cut: the boundary rules the ``chars``, ``tokens`` and ``headings``
chunkers share.

A chunker asks :func:`best_cut` where a chunk starting at ``start`` should end if it may
not run past ``limit``. The answer prefers, in this order: the end of a paragraph, the end
of a line, the end of a sentence, the end of a clause, a space, and only then any grapheme
boundary next to CJK text (which has no spaces between words). A cut that splits a word of
a space-delimited language is made only when the window holds no other place to cut: a
URL, a base64 blob or Thai text longer than the whole budget. A cut never splits a grapheme
cluster (UAX #29, as the ``regex`` module's ``\\X`` implements it), except when a single
cluster is longer than the whole budget.

Every function looks only at a window around the positions it is given, never at the text
from its beginning: posts can be many megabytes long, often on a single line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Protocol

import regex  # type: ignore[import-untyped, unused-ignore]

__all__ = ["best_cut", "is_grapheme_boundary", "overlap_start", "skip_space", "trim_end"]


class _Match(Protocol):
    def start(self) -> int: ...

    def end(self) -> int: ...


class _Pattern(Protocol):
    def search(self, string: str, pos: int = ..., endpos: int = ...) -> _Match | None: ...

    def finditer(self, string: str, pos: int = ..., endpos: int = ...) -> Iterator[_Match]: ...


def _compile(pattern: str) -> _Pattern:
    # The regex module ships no type stubs; this is the one place its objects get a type.
    compiled: _Pattern = regex.compile(pattern)
    return compiled


# How far back is_grapheme_boundary looks for a position it knows to be a boundary. Real
# text has one every few characters; only longer runs of combining marks, regional
# indicators or conjoining jamo restart at a guess (see is_grapheme_boundary).
_SCAN = 512

# How many CJK candidates best_cut checks one by one before segmenting its whole window.
_LAZY_CHECKS = 4

# One extended grapheme cluster.
_CLUSTER = _compile(r"\X")

# A position is a cluster boundary when the character before it can end a cluster on its
# own (GCB Other, Control or LF: no UAX #29 rule joins it to what follows unless that
# follower is Extend, ZWJ or SpacingMark) and the character after it is none of those.
# Prepend, CR, regional indicators, Hangul jamo and syllables and ZWJ are not GCB Other,
# so the rules that look further back (GB11, GB12/13) cannot apply. Characters with an
# Indic conjunct break property are left out too: regex joins an InCB Linker such as
# U+1CF5, although it is GCB Other, to a following consonant (GB9c).
# Searched right to left, it finds the nearest such position at or before an index.
_RESTART = _compile(
    r"(?r)(?=\p{InCB=None})[\p{GCB=Other}\p{GCB=Control}\n]"
    r"(?=[^\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}])"
)

# Scripts written without spaces between words, where a cut between any two clusters is
# fine. Hangul is left out on purpose: Korean puts spaces between words. Combining kana
# voicing marks and the Hangul tone marks inside these blocks are left out too.
_CJK_CLASS = (
    r"\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}"
    r"\u3000-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff\u31f0-\u31ff"
    r"\ufe30-\ufe4f\uff01-\uff65\uffe0-\uffe6"
)
_CJK = _compile(f"[{_CJK_CLASS}]")
_CJK_REVERSED = _compile(f"(?r)[{_CJK_CLASS}]")

# Where a word starts for overlap_start: a non-space after whitespace, or any non-space
# next to CJK. Whitespace is spelled out because regex's \s, unlike str.isspace, leaves
# out U+001C..U+001F.
_WORD_START = _compile(
    rf"(?:(?<=[\s\x1c-\x1f])|(?<=[{_CJK_CLASS}])|(?=[{_CJK_CLASS}]))[^\s\x1c-\x1f]"
)

# The patterns below need only whitespace, so they use the standard library, whose \s is
# exactly str.isspace.

_NON_SPACE = re.compile(r"\S")
# A line with something on it, up to its newline: the newline is m.end() - 1.
_FILLED_LINE_END = re.compile(r"\S[^\S\n]*\n")
# What follows a paragraph's last newline: a blank line.
_BLANK_LINE = re.compile(r"[^\S\n]*(?:\n|\Z)")

_CLOSERS = "\"')\\]\u201d\u2019\u300d\u300f\uff09"  # " ' ) ] ” ’ 」 』 ）  # noqa: RUF003
# ASCII sentence ends need a space after them ("3.14", "e.g.x" are no sentence ends); CJK
# and the ellipsis are followed directly by the next sentence.
_SENTENCE_END = re.compile(
    rf"[.!?][{_CLOSERS}]*(?=\s)|[\u3002\uff01\uff1f\uff1b\u2026]+[{_CLOSERS}]*"  # 。！？；…
)
_CLAUSE_END = re.compile(r"[,;](?=\s)|[\uff0c\u3001\uff1a]")  # ， 、 ：
# A word followed by a space that may be broken: not a newline (a line end ranks higher)
# and not a no-break space, which writers put where they want no break (French "mot ;").
_WORD_END = re.compile(r"\S(?=[^\S\n\u00a0\u2007\u202f])")


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Tell whether ``index`` falls between two extended grapheme clusters of ``text``.

    True at 0 and ``len(text)``. Elsewhere the answer is the one the ``regex`` module's
    ``\\X`` gives when it segments the whole text, but only a few characters before
    ``index`` are looked at: segmentation restarts from the nearest position at most 512
    characters back that is certainly a boundary. Text with no such position (more than
    512 combining marks, regional indicators or conjoining jamo in a row) restarts 512
    characters back instead. For those runs the answer is still exact, because ``regex``
    counts regional indicators before its start position and the other runs resynchronise
    within one cluster, but that rests on the run, not on a guarantee.

    Raises IndexError when ``index`` is outside ``0..len(text)``.
    """
    if not 0 <= index <= len(text):
        raise IndexError(f"index {index} is outside a text of length {len(text)}")
    if index in (0, len(text)):
        return True
    restart = _restart_point(text, index)
    if restart == index:
        return True
    # endpos index + 1: whether a cluster ends at index depends on text[index], never on
    # anything after it.
    for match in _CLUSTER.finditer(text, restart, index + 1):
        if match.end() >= index:
            return match.end() == index
    return False  # pragma: no cover - the clusters always reach index


def skip_space(text: str, index: int) -> int:
    """Return where the next chunk starts: the first non-whitespace position at or after
    ``index``, or ``len(text)`` if only whitespace is left.

    Whitespace is what ``str.isspace`` says it is. When that character is not a grapheme
    boundary (a combining mark on a space, as in ``" \\u0301"``), the start of its cluster
    is returned instead, so that a chunk never begins inside a cluster; it is never less
    than ``index``.
    """
    match = _NON_SPACE.search(text, index)
    if match is None:
        return len(text)
    found = match.start()
    if found > index and not is_grapheme_boundary(text, found):
        return max(index, _cluster_start(text, found))
    return found


def trim_end(text: str, start: int, end: int) -> int:
    """Return ``end`` moved left past whitespace (``str.isspace``), but not below ``start``.

    ``text[start:result]`` is the chunk ``text[start:end]`` without its trailing
    whitespace. If trimming would split a grapheme cluster (a whitespace character joined
    to a preceding prepended concatenation mark, such as U+0600), the cluster is kept
    whole, whitespace included.
    """
    trimmed = end
    while trimmed > start and text[trimmed - 1].isspace():
        trimmed -= 1
    if start < trimmed < end and not is_grapheme_boundary(text, trimmed):
        later = _boundaries(text, trimmed, end)
        return later[0] if later else end
    return trimmed


def overlap_start(text: str, start: int, end: int, overlap: int) -> int:
    """Return where the chunk after ``text[start:end]`` starts, overlapping it by at most
    ``overlap`` characters.

    That is the first word start at or after ``end - overlap`` and after ``start``: a
    non-whitespace character that follows whitespace, or, next to CJK text, any grapheme
    boundary before a non-whitespace character. With no such position before ``end``, or
    with ``overlap`` 0, the next chunk starts at ``skip_space(text, end)``: no overlap.
    The result is always greater than ``start``, so a chunker always moves forward, but
    by as little as one word when ``overlap`` is nearly the whole chunk.

    Raises ValueError when ``overlap`` is negative.
    """
    if overlap < 0:
        raise ValueError(f"overlap must not be negative, got {overlap}")
    if overlap > 0:
        for match in _WORD_START.finditer(text, max(end - overlap, start + 1), end):
            if is_grapheme_boundary(text, match.start()):
                return match.start()
    return skip_space(text, end)


def best_cut(text: str, start: int, limit: int) -> int:
    """Return where a chunk that starts at ``start`` and may not reach past ``limit``
    should end: a position ``p`` with ``start < p <= limit``; the chunk is
    ``text[start:p]``.

    ``text[start]`` should be the chunk's first non-whitespace character (see
    :func:`skip_space`). When ``limit`` is ``len(text)`` the answer is ``len(text)``.
    Otherwise the candidates in the window, best first, are:

    1. a paragraph end: the newline that ends a line with text on it and is followed by
       a blank line;
    2. a line end: a newline;
    3. a sentence end: after ``.``, ``!`` or ``?`` (and any closing quotes or brackets)
       before whitespace, or after ``。！？；…`` (and any closers);
    4. a clause end: after ``,`` or ``;`` before whitespace, or after ``，、：``;
    5. a space or tab (not a no-break space) after a non-space;
    6. a grapheme boundary next to a CJK character (Han, kana, CJK punctuation, fullwidth
       forms; not Hangul, because Korean separates words with spaces).

    The best kind with a candidate in the second half of the window wins; if no kind has
    one there, the best kind with any candidate does. Within a kind the last candidate is
    taken. A newline is cut before the carriage return of a CRLF. Candidates that would
    split a grapheme cluster are skipped. With no candidate at all (one "word" longer than
    the window: a URL, base64, Thai text) the cut is the last grapheme boundary at or
    before ``limit``, and if even the first cluster runs past ``limit`` (a letter with
    thousands of combining marks) the cut is ``limit`` itself: the budget is a hard
    limit, so only a cluster longer than the whole budget is ever split.

    Runs in time proportional to ``limit - start``. Raises ValueError unless
    ``0 <= start < limit <= len(text)``.
    """
    if not 0 <= start < limit <= len(text):
        raise ValueError(f"need 0 <= start < limit <= len(text), got {start}, {limit}, {len(text)}")
    if limit == len(text):
        return limit
    half = start + (limit - start) // 2
    fallback: int | None = None
    for find in _FINDERS:
        cut = find(text, start, limit)
        if cut is None:
            continue
        if cut >= half:
            return cut
        if fallback is None:
            fallback = cut
    return fallback if fallback is not None else _last_boundary(text, start, limit)


# Each finder returns the last candidate of its kind in (start, limit], or None. They may
# look at text[limit], which exists because best_cut handles limit == len(text) itself.


def _paragraph_end(text: str, start: int, limit: int) -> int | None:
    # Newlines from the window's end back: the first one that ends a line with text on it
    # (from start on) and is followed by a blank line. Prose has one within a few lines.
    newline = limit + 1
    while (newline := text.rfind("\n", start, newline)) >= 0:
        if _BLANK_LINE.match(text, newline + 1) and _FILLED_LINE_END.match(
            text, _line_text_end(text, start, newline), newline + 1
        ):
            return _before_crlf(text, start, newline)
    return None


def _line_text_end(text: str, start: int, newline: int) -> int:
    """Where the last non-space character before ``newline`` would be, not before
    ``start``: ``newline - 1`` less the spaces that end the line."""
    position = newline - 1
    while position > start and text[position] != "\n" and text[position].isspace():
        position -= 1
    return position


def _line_end(text: str, start: int, limit: int) -> int | None:
    newline = text.rfind("\n", start + 1, limit + 1)
    return None if newline < 0 else _before_crlf(text, start, newline)


def _before_crlf(text: str, start: int, newline: int) -> int | None:
    # A cut between CR and LF would split the CRLF cluster, so it moves before the CR.
    cut = newline - 1 if text[newline - 1] == "\r" else newline
    return cut if cut > start else None


def _last_valid_end(pattern: re.Pattern[str]) -> Callable[[str, int, int], int | None]:
    # The window is searched from its end back, a stretch at a time: the last candidate
    # is nearly always close to the end. A search begun at ``low`` finds only ends that
    # a search from ``start`` finds, and misses only matches that began before ``low``
    # (so ends before the ones it finds): a match of these patterns is decided by the
    # characters it spans, and a search that begins inside one is in a run of sentence
    # marks (the rest of the run matches, with the same end) or of closers (which begin
    # no match).
    def find(text: str, start: int, limit: int) -> int | None:
        reach = _STRETCH
        while True:
            low = max(start, limit - reach)
            ends = [m.end() for m in pattern.finditer(text, low, limit + 1)]
            for end in reversed(ends):
                if start < end <= limit and is_grapheme_boundary(text, end):
                    return end
            if low == start:
                return None
            reach *= 4

    return find


# How far back _last_valid_end searches first; each further search reaches 4x as far.
_STRETCH = 256


def _cjk_boundary(text: str, start: int, limit: int) -> int | None:
    boundaries: set[int] | None = None
    for count, match in enumerate(_CJK_REVERSED.finditer(text, start, limit + 1)):
        if count == _LAZY_CHECKS:
            # Many candidates failed (CJK followed by combining marks): segmenting the
            # window once bounds the work, where checking each one could rescan _SCAN.
            boundaries = set(_boundaries(text, start, limit))
        # Candidates come from the right: after this character, then before it.
        for cut in (match.end(), match.start()):
            if start < cut <= limit and (
                cut in boundaries if boundaries is not None else is_grapheme_boundary(text, cut)
            ):
                return cut
    return None


def _last_boundary(text: str, start: int, limit: int) -> int:
    safe = _safe_point(text, limit)
    if safe is not None and safe > start:
        later = _boundaries(text, safe, limit)
        return later[-1] if later else safe
    boundaries = _boundaries(text, start, limit)
    # No boundary at all: one cluster is longer than the budget, which is a hard limit.
    return boundaries[-1] if boundaries else limit


_FINDERS: tuple[Callable[[str, int, int], int | None], ...] = (
    _paragraph_end,
    _line_end,
    _last_valid_end(_SENTENCE_END),
    _last_valid_end(_CLAUSE_END),
    _last_valid_end(_WORD_END),
    _cjk_boundary,
)


def _safe_point(text: str, index: int) -> int | None:
    """Return the nearest position at or before ``index`` that is surely a boundary."""
    if index <= _SCAN:
        # The start of the text is a boundary, so the search can be exact.
        match = _RESTART.search(text, 0, index + 1)
        return 0 if match is None else match.end()
    match = _RESTART.search(text, index - _SCAN, index + 1)
    return None if match is None else match.end()


def _restart_point(text: str, index: int) -> int:
    """Return a position at or before ``index`` from which segmentation can start."""
    safe = _safe_point(text, index)
    return index - _SCAN if safe is None else safe


def _boundaries(text: str, low: int, high: int) -> list[int]:
    """Return the grapheme boundaries ``b`` with ``low < b <= high``, in order."""
    endpos = min(high + 1, len(text))
    ends = (m.end() for m in _CLUSTER.finditer(text, _restart_point(text, low), endpos))
    return [end for end in ends if low < end <= high]


def _cluster_start(text: str, index: int) -> int:
    """Return the start of the grapheme cluster that holds ``text[index]``."""
    for match in _CLUSTER.finditer(text, _restart_point(text, index), index + 1):
        if match.end() > index:
            return match.start()
    return index  # pragma: no cover - the clusters always reach index
