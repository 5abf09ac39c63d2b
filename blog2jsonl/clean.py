"""Clean: remove code and markup noise from a post, keeping the author's prose as written.

The body is parsed at the block level with markdown-it-py (CommonMark plus tables,
strikethrough and footnotes; no linkify). The walk marks each source line as removed
(fenced and indented code, template-tag code blocks), as raw HTML (from which template
tags, comments, scripts and styles are cut) or as prose (from which template tags and
inline comments, scripts and styles are cut). The cleaned text is then assembled from
slices of the source lines: never re-rendered, so headings, emphasis, lists, tables,
links and inline code survive byte for byte.

Parsing is most of the cost, and most of a blog is paragraphs that need none, so only
the parts of a body that might hold more than prose are parsed, each on its own:

- *Segments.* The body is cut where a blank line is followed by a line that starts in
  its first column. CommonMark closes every container there (list, blockquote, footnote)
  and has ended every paragraph, table and HTML block of types 6 and 7, so the parse of
  what follows does not depend on what came before. Only a top-level fence, HTML block
  of types 1-5 (``<script``, ``<pre``, ``<!--``...) or template code block runs on
  across. A list does too, with its next item; that item is read as a new list's first
  would be, except that it cannot start a table, so no cut is made before a line that
  could be a list item if the line after it could be a table's delimiter row.
- *Triggers.* A segment is parsed only if one of its lines could start code, HTML or a
  heading, or change how the lines around it are read: after a prefix of container
  markers and spaces, ``<`` (HTML), ``{`` (template code), an ATX heading's ``#``, a
  fence or a footnote (``[^``); indentation in that prefix (a tab or four spaces:
  indented code); a prefix long enough to nest lists ten deep; or a line of ``=`` or
  ``-`` (a setext underline). Every line of any other segment is prose, none a heading.
- *Regions.* Consecutive triggered segments are parsed together. When a region's last
  top-level fence, HTML or template block runs to its end (its last line is blank, so
  the block is unclosed there and would run on in the whole body), the region is
  extended, to the line that closes a fence or by a number of segments that doubles each
  time, and parsed again. A region that reaches markdown-it's nesting limit, past which
  it skips the rest of its input, makes the whole body be parsed instead.
- *Headings and fences.* Most regions hold only blank lines, ATX headings and closed
  fences, all in the first column; what markdown-it makes of those is plain, and their
  tokens are built without running its rules line by line.

Assembly then goes by runs of lines of one kind. The lines no cut touches go through as
one block: inside it no blank line can collapse, as only the first line after a removal
carries a seam. And the stripper, whose scan is slow, scans only the paragraphs where a
tag, comment, script or style begins.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import accumulate, groupby

from markdown_it import MarkdownIt
from markdown_it.token import Token

try:  # markdown-it-py 4 trims a heading's text of CommonMark's whitespace
    from markdown_it.common.utils import mdTrim as _trim
except ImportError:  # pragma: no cover - markdown-it-py 3 strips it
    _trim = str.strip  # type: ignore[assignment]

from .errors import Diagnostic
from .models import Document, Heading, Post
from .templates import TEMPLATE_CODE, TagStripper, template_code_plugin

__all__ = ["clean", "markdown_parser"]

_PRE = re.compile(r"[ \t]*<pre[\s>]", re.IGNORECASE)

# Where a segment starts: a blank line, then a line in its first column, unless that line
# could be a list item continuing a list and the next one a table's delimiter row.
_SEGMENT_START = re.compile(
    r"\n[ \t]*\n(?=[^ \t\n])"
    r"(?!(?:[-+*]|[0-9]{1,9}[.)])[^\n]*\n[ \t]*[-:|][-:| \t]+(?=\n|\Z))"
)
# A line that may need the parser (see the module docstring). Anchored on the newline
# before the line, so that the search skips from line to line.
_TRIGGER_LINE = (
    r"(?:[ \t>*+\-0-9.)]*(?:[<{\t]|#{1,6}(?![^ \t\n])|```|~~~|\[\^|    )"
    r"|[ \t>*+\-0-9.)]{16}"
    r"|[ \t>]*(?:=+|-+)[ \t]*(?=\n|\Z))"
)
# The lookahead (the characters a trigger line can start with) only saves time.
_TRIGGER = re.compile("\n(?=[ \t>*+\\-0-9.)<{#`~\\[=])" + _TRIGGER_LINE)
_FIRST_LINE_TRIGGER = re.compile(_TRIGGER_LINE)
# The level-0 blocks that may run on past a blank line.
_OPEN_ENDED = frozenset({"fence", "html_block", TEMPLATE_CODE})
_FENCE_CLOSE = re.compile(r"\n {0,3}(`{3,}|~{3,})[ \t]*(?=\n|\Z)")
# A heading's or a fence's opening line, in the first column (see _headings_and_fences).
_ATX_HEADING = re.compile(r"(#{1,6})((?:[ \t][^\n]*)?)")
# Where inline markup (or a template tag) can begin: a heading without any is all text,
# and its line breaks become spaces either way.
_INLINE_MARKUP = re.compile(r"[\\`~*_\[<&{]")
_FENCE_OPEN = re.compile(r"(`{3,}(?=[^`|\n]*$)|~{3,}(?=[^|\n]*$))([^\n]*)")


class _Kind(Enum):
    PROSE = "prose"  # template tags (and inline HTML noise) are cut
    HTML = "html"  # an HTML block: template tags, comments, scripts and styles are cut
    VERBATIM = "verbatim"  # code kept with --keep-code: nothing is cut
    REMOVED = "removed"


@cache
def markdown_parser() -> MarkdownIt:
    """The block-level parser: CommonMark, tables, strikethrough, footnotes, template code.

    Inline parsing is switched off (the walk needs block structure only), and so is the
    footnote plugin's tail rule, which would move footnote blocks away from their lines.
    """
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(template_code_plugin)
    md.disable(["inline", "footnote_tail"])
    return md


def clean(post: Post, *, keep_code: bool = False, keep_html: bool = False) -> Document:
    """Clean one post's body into a :class:`Document`.

    Removes fenced and indented code, template-tag code blocks (unless ``keep_code``),
    HTML comments, ``<script>`` and ``<style>`` (unless ``keep_html``) and other template
    tags (keeping the prose between an opening and a closing tag). Removing a block
    never leaves more than one blank line. Unclosed fences follow CommonMark (they run
    to the end of their container) and produce a warning naming the line.
    """
    return _clean(post, keep_code=keep_code, keep_html=keep_html, whole=False)


def _clean_whole(post: Post, *, keep_code: bool = False, keep_html: bool = False) -> Document:
    """:func:`clean` the slow, plain way, for tests to hold the fast one to.

    Parses the whole body and assembles it line by line, cutting with the stripper's
    own scan of every chunk.
    """
    return _clean(post, keep_code=keep_code, keep_html=keep_html, whole=True)


@dataclass(slots=True)
class _Region:
    """A stretch of the body parsed on its own, and what the token walk found in it."""

    line: int  # the body line it starts on
    starts: list[int]  # where each of its lines starts in the body, and one past its end
    kinds: list[_Kind]  # of each of its lines
    headings: dict[int, tuple[int, str, int]]  # first body line -> (level, text, end line)
    warnings: list[Diagnostic]


def _clean(post: Post, *, keep_code: bool, keep_html: bool, whole: bool) -> Document:
    """Both ways to clean: ``whole`` parses the whole body and takes no shortcut."""
    body = post.body
    regions = None if whole else _walk_triggered(post, keep_code=keep_code)
    if regions is None:
        tokens = markdown_parser().parse(body)
        regions = [_walk(post, tokens, 0, len(body), 0, keep_code=keep_code)]

    heading_lines = {start: h for region in regions for start, h in region.headings.items()}
    wanted = {  # the body lines whose place in the text a heading needs, and their offsets
        number: region.starts[number - region.line]
        for region in regions
        for start, (_, _, end) in region.headings.items()
        for number in (start, end - 1)
    }
    runs = _merge(_body_runs(body, regions))
    out = _assemble(body, runs, TagStripper(keep_html=keep_html), fast=not whole)
    text, line_offsets = _join(out, wanted)
    headings = tuple(
        Heading(
            level,
            title,
            line_offsets[start],
            _line_end(text, line_offsets[last - 1]),
            post.body_line + start,
        )
        for start, (level, title, last) in sorted(heading_lines.items())
        if start in line_offsets and last - 1 in line_offsets
    )
    warnings = (warning for region in regions for warning in region.warnings)
    return Document(post.source, text, headings, (*post.warnings, *warnings))


# --- which parts to parse ---------------------------------------------------------------


def _walk_triggered(post: Post, *, keep_code: bool) -> list[_Region] | None:
    """The regions of the body that need the parser, each walked as soon as it is parsed
    (so that one post's tokens are never all alive at once: a post of many thousands of
    regions would otherwise keep the garbage collector busy); ``None`` as for
    :func:`_parse_triggered`."""
    body = post.body
    regions: list[_Region] = []
    line = position = 0
    try:
        for start, end, tokens in _iter_triggered(body):
            line += body.count("\n", position, start)
            position = start
            regions.append(_walk(post, tokens, start, end, line, keep_code=keep_code))
    except _NeedsWhole:
        return None
    return regions


def _parse_triggered(body: str) -> list[tuple[int, int, list[Token]]] | None:
    """The regions of ``body`` that need the parser, parsed: ``(start, end, tokens)`` each.

    ``None`` when only a parse of the whole body is sure to give the same result: the
    body has carriage returns (which markdown-it reads as line breaks), or a region
    reaches the nesting limit.
    """
    try:
        return list(_iter_triggered(body))
    except _NeedsWhole:
        return None


class _NeedsWhole(Exception):
    """Only a parse of the whole body is sure to give the same result."""


def _iter_triggered(body: str) -> Iterator[tuple[int, int, list[Token]]]:
    """:func:`_parse_triggered`, a region at a time; raises :class:`_NeedsWhole`."""
    if "\r" in body:
        raise _NeedsWhole
    # A token this deep opened the level at which markdown-it stops parsing.
    deepest = markdown_parser().options["maxNesting"] - 1
    starts = _segment_starts(body)
    done = 0  # the segments before this one are parsed
    for first, last in _triggered_ranges(body, starts):
        if last <= done:
            continue
        first = max(first, done)
        done, tokens = _parse_region(body, starts, first, last)
        if any(token.level >= deepest for token in tokens):
            raise _NeedsWhole
        yield starts[first], starts[done], tokens


def _parse_region(body: str, starts: list[int], first: int, last: int) -> tuple[int, list[Token]]:
    """Parse segments ``first`` to ``last`` (excluded), and on while a block is left open.

    Returns the segment where the region ends and its tokens.
    """
    grow = 1
    while True:
        start, end = starts[first], starts[last]
        tokens = _parse_blocks(body[start:end])
        unclosed = _open_at_end(tokens, body.count("\n", start, end)) if end < len(body) else None
        if unclosed is None:
            return last, tokens
        if unclosed.type == "fence":
            last = max(last + 1, _closing_segment(body, starts, end, unclosed))
        else:  # an HTML or template block, whose end is harder to foresee
            last, grow = min(last + grow, len(starts) - 1), grow * 2


def _parse_blocks(text: str) -> list[Token]:
    """``markdown_parser().parse(text)`` for text without carriage returns.

    Unless the text holds a NUL, only the block rules are run: of the parser's core
    rules, the others normalise newlines and NULs (there are none to change) or work on
    inline tokens (switched off).
    """
    if "\0" in text:
        return markdown_parser().parse(text)
    tokens = _headings_and_fences(text)
    if tokens is None:
        md = markdown_parser()
        tokens = []
        md.block.parse(text, md, {}, tokens)
    return tokens


def _headings_and_fences(text: str) -> list[Token] | None:
    """The tokens of text made only of blank lines, ATX headings and closed fences.

    Most regions are such text: a heading, or a fence and its code. The headings and
    fences must start in the first column, and a fence's opening line hold no ``|`` (it
    could head a table); otherwise, or for any other line, ``None``. The tokens are those
    markdown-it makes of the text, built without running its rules line by line.
    """
    tokens: list[Token] = []
    line = position = 0
    while position < len(text):
        stop = _line_stop(text, position)
        if text.startswith("#", position):
            heading = _ATX_HEADING.fullmatch(text, position, stop)
            if heading is None:
                return None
            tokens.extend(_heading_tokens(heading.group(1), heading.group(2), line))
        elif text.startswith(("```", "~~~"), position):
            fence = _FENCE_OPEN.fullmatch(text, position, stop)
            if fence is None:
                return None
            markup, info = fence.groups()
            close = _fence_close(text, stop, markup)
            if close is None:
                return None
            last = line + text.count("\n", stop, close.start() + 1)
            content = text[stop + 1 : close.start() + 1]
            where = [line, last + 1]
            tokens.append(
                Token(
                    "fence",
                    "code",
                    0,
                    map=where,
                    content=content,
                    markup=markup,
                    info=info,
                    block=True,
                )
            )
            line, stop = last, close.end()
        elif text[position:stop].strip(" \t"):
            return None
        line, position = line + 1, stop + 1
    return tokens


def _fence_close(text: str, stop: int, markup: str) -> re.Match[str] | None:
    """The first line after ``stop`` that closes a top-level fence opened with ``markup``.

    Such a line has at most three spaces before its run of at least as many of the same
    marker, and only spaces after. The match starts at the newline before the line.
    """
    for found in _FENCE_CLOSE.finditer(text, stop):
        run = found.group(1)
        if run[0] == markup[0] and len(run) >= len(markup):
            return found
    return None


def _heading_tokens(markup: str, rest: str, line: int) -> list[Token]:
    """An ATX heading's tokens: ``rest`` is its line after the opening ``#`` run."""
    rest = rest.rstrip(" \t")
    bare = rest.rstrip("#")
    if bare.endswith((" ", "\t")):  # a closing run of #, after a space
        rest = bare
    tag, content = f"h{len(markup)}", _trim(rest)
    return [
        Token("heading_open", tag, 1, map=[line, line + 1], markup=markup, block=True),
        Token(
            "inline", "", 0, map=[line, line + 1], level=1, content=content, children=[], block=True
        ),
        Token("heading_close", tag, -1, markup=markup, block=True),
    ]


def _segment_starts(body: str) -> list[int]:
    """Where each segment starts, and ``len(body)`` last."""
    return [0, *(match.end() for match in _SEGMENT_START.finditer(body)), len(body)]


def _triggered_ranges(body: str, starts: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive triggered segments: ``(first, last)``, ``last`` excluded."""
    triggered = [0] if _FIRST_LINE_TRIGGER.match(body) else []
    position = max(starts[1] - 1, 0) if triggered else 0
    while (found := _TRIGGER.search(body, position)) is not None:
        segment = bisect_right(starts, found.start() + 1) - 1
        triggered.append(segment)
        position = starts[segment + 1] - 1  # the rest of this segment is decided
    ranges: list[tuple[int, int]] = []
    for segment in triggered:
        if ranges and ranges[-1][1] == segment:
            ranges[-1] = (ranges[-1][0], segment + 1)
        else:
            ranges.append((segment, segment + 1))
    return ranges


def _open_at_end(tokens: list[Token], lines: int) -> Token | None:
    """The top-level block that runs to the last line, which is blank: it is unclosed."""
    for token in reversed(tokens):
        if token.level == 0 and token.map is not None:
            return token if token.type in _OPEN_ENDED and token.map[1] >= lines else None
    return None


def _closing_segment(body: str, starts: list[int], end: int, fence: Token) -> int:
    """The segment after the one holding the line that closes ``fence``, open at ``end``.

    That is where the next parse will find the fence closed (the last segment when no
    line closes it).
    """
    found = _fence_close(body, end - 1, fence.markup)
    return len(starts) - 1 if found is None else bisect_right(starts, found.start() + 1)


# --- the token walk ---------------------------------------------------------------------


def _walk(
    post: Post, tokens: list[Token], offset: int, stop: int, first: int, *, keep_code: bool
) -> _Region:
    """Mark the kind of each line of ``post.body[offset:stop]``, which starts on line ``first``."""
    lines = post.body[offset:stop].split("\n")
    if stop < len(post.body):
        lines.pop()  # the text ends with a newline, not with an empty line
    kinds = [_Kind.PROSE] * len(lines)
    starts = list(accumulate((len(line) + 1 for line in lines), initial=offset))
    region = _Region(first, starts, kinds, {}, [])
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            _mark(kinds, start, end, _Kind.VERBATIM if keep_code else _Kind.REMOVED)
            if token.type == "fence" and not _fence_closed(token, lines):
                region.warnings.append(_unclosed(post, first + start, first + end, "code fence"))
        elif token.type == TEMPLATE_CODE:
            if keep_code:
                _mark(kinds, start + 1, end - 1 if token.meta["closed"] else end, _Kind.VERBATIM)
                _mark(kinds, start, start + 1, _Kind.REMOVED)
                if token.meta["closed"]:
                    _mark(kinds, end - 1, end, _Kind.REMOVED)
            else:
                _mark(kinds, start, end, _Kind.REMOVED)
            if not token.meta["closed"]:
                what = f"template block {token.markup}"
                region.warnings.append(_unclosed(post, first + start, first + end, what))
        elif token.type == "html_block" and _PRE.match(token.content):
            # A <pre> block is preformatted code written in HTML.
            _mark(kinds, start, end, _Kind.VERBATIM if keep_code else _Kind.REMOVED)
        elif token.type == "html_block":
            _mark(kinds, start, end, _Kind.HTML)
        elif token.type == "heading_open" and token.level == 0:
            heading = _heading_text(tokens[index + 1].content)
            region.headings[first + start] = (int(token.tag[1]), heading, first + end)
    return region


def _mark(kinds: list[_Kind], start: int, end: int, kind: _Kind) -> None:
    end = min(end, len(kinds))
    kinds[start:end] = [kind] * (end - start)


def _fence_closed(token: Token, lines: list[str]) -> bool:
    start, end = token.map or (0, 0)
    if end - start < 2:
        return False
    # The last line, past its container markers, is a run of the marker, long enough.
    run = lines[end - 1].lstrip(" \t>").rstrip(" \t")
    return len(run) >= len(token.markup) and not run.strip(token.markup[0])


def _unclosed(post: Post, start: int, end: int, what: str) -> Diagnostic:
    swallowed = end - start - 1
    return Diagnostic(
        post.source.display,
        post.body_line + start,
        f"{what} opened here is never closed: the {swallowed} line(s) after it are read "
        "as code (CommonMark's rule)",
    )


@cache
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["strikethrough"])


def _heading_text(source: str) -> str:
    """A heading's plain text: inline markup dropped, code spans and link texts kept."""
    if _INLINE_MARKUP.search(source) is None:  # as most headings: nothing to drop
        return " ".join(source.split())
    return _parsed_heading_text(source)


def _parsed_heading_text(source: str) -> str:
    md = _inline_parser()
    tokens: list[Token] = []
    md.inline.parse(source, md, {}, tokens)
    pieces = [
        " " if t.type in ("softbreak", "hardbreak") else t.content
        for t in tokens
        if t.type in ("text", "code_inline", "softbreak", "hardbreak")
    ]
    return " ".join(TagStripper.strip("".join(pieces)).split())


# --- runs of lines of one kind ----------------------------------------------------------

# A run: its kind, its first body line, and where its text starts and stops in the body
# (the stop is before the newline that ends its last line).
_Run = tuple[_Kind, int, int, int]


def _body_runs(body: str, regions: list[_Region]) -> Iterator[_Run]:
    """The runs of every region, with the unparsed prose between them as runs too."""
    line = position = 0  # the first line not yet covered, and where it starts
    for region in regions:
        if region.starts[0] > position:
            yield _Kind.PROSE, line, position, region.starts[0] - 1
        for kind, start, end in _runs(region.kinds):
            yield kind, region.line + start, region.starts[start], region.starts[end] - 1
        line, position = region.line + len(region.kinds), region.starts[-1]
    if position <= len(body):
        yield _Kind.PROSE, line, position, len(body)


def _runs(kinds: list[_Kind]) -> Iterator[tuple[_Kind, int, int]]:
    start = 0
    for kind, group in groupby(kinds):
        end = start + len(list(group))
        yield kind, start, end
        start = end


def _merge(runs: Iterator[_Run]) -> Iterator[_Run]:
    """Join runs of one kind that meet: the stripper must see a run of prose whole."""
    current: _Run | None = None
    for run in runs:
        if current is not None and current[0] is run[0] and current[3] + 1 == run[2]:
            current = (current[0], current[1], current[2], run[3])
            continue
        if current is not None:
            yield current
        current = run
    if current is not None:
        yield current


# --- assembly ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    text: str
    source: int | None  # index of the body line it comes from
    seam: bool  # something was removed just before this line
    offset: int = -1  # where ``text`` starts in the body, for a block of untouched lines


def _assemble(body: str, runs: Iterator[_Run], stripper: TagStripper, *, fast: bool) -> list[_Line]:
    """The kept lines (and blocks of lines), each marked when a removal comes before it."""
    out: list[_Line] = []
    seam = False
    for kind, first, start, stop in runs:
        if kind is _Kind.REMOVED:
            seam = True
            continue
        chunk = body[start:stop]
        cuts = _cuts(stripper, chunk, kind, fast=fast)
        lines = _cut_blocks(chunk, first, start, cuts) if fast else _cut_lines(chunk, first, cuts)
        for line in lines:
            if line.source is None:
                seam = True
                continue
            line.seam = seam or line.seam
            out.append(line)
            seam = False
    return out


def _cuts(stripper: TagStripper, chunk: str, kind: _Kind, *, fast: bool) -> list[tuple[int, int]]:
    if kind is _Kind.VERBATIM:
        return []
    if not fast:
        return stripper.html_spans(chunk) if kind is _Kind.HTML else stripper.spans(chunk)
    return stripper.spans_near_tags(chunk)


def _cut_blocks(
    chunk: str, first: int, offset: int, cuts: list[tuple[int, int]]
) -> Iterator[_Line]:
    """What :func:`_cut_lines` yields, with the lines no cut touches gathered in blocks.

    ``chunk`` holds body lines from ``first`` on and starts at ``offset`` in the body.
    The lines a cut touches (or might: a cut that ends at a line's start) go through
    :func:`_cut_lines`; the stretches between them through :func:`_untouched`.
    """
    position, number, index = 0, first, 0  # the first line not yet yielded
    while index < len(cuts):
        start = chunk.rfind("\n", 0, cuts[index][0]) + 1
        end = _line_stop(chunk, cuts[index][1])
        group = index
        index += 1
        while index < len(cuts) and cuts[index][0] <= end:
            end = max(end, _line_stop(chunk, cuts[index][1]))
            index += 1
        if start > position:
            yield from _untouched(chunk[position : start - 1], number, offset + position)
            number += chunk.count("\n", position, start)
        touched = [(cut_start - start, cut_end - start) for cut_start, cut_end in cuts[group:index]]
        yield from _cut_lines(chunk[start:end], number, touched)
        number += chunk.count("\n", start, end) + 1
        position = end + 1
    if position <= len(chunk):
        yield from _untouched(chunk[position:], number, offset + position)


def _line_stop(chunk: str, position: int) -> int:
    """Where the line holding ``position`` stops (a position at a newline is on its line)."""
    newline = chunk.find("\n", position)
    return len(chunk) if newline < 0 else newline


def _untouched(text: str, first: int, offset: int) -> Iterator[_Line]:
    """Lines no cut touches: blank ones at either edge one by one, the rest as one block.

    Inside such a block nothing can change: blank lines collapse only next to a seam, and
    only the first line after a removal carries one.
    """
    start, number = 0, first
    while True:  # leading blank lines
        newline = text.find("\n", start)
        stop = len(text) if newline < 0 else newline
        if not _blank(text[start:stop]):
            break
        yield _Line(text[start:stop], number, False)
        if newline < 0:
            return
        start, number = newline + 1, number + 1
    stop, trailing = len(text), []
    while True:  # trailing blank lines; the first line of the block is not blank
        newline = text.rfind("\n", start, stop)
        if newline < 0 or not _blank(text[newline + 1 : stop]):
            break
        trailing.append(text[newline + 1 : stop])
        stop = newline
    block = text[start:stop]
    yield _Line(block, number, False, offset + start)
    after = number + block.count("\n") + 1
    for number, line in enumerate(reversed(trailing), after):
        yield _Line(line, number, False)


def _cut_lines(chunk: str, first: int, cuts: list[tuple[int, int]]) -> Iterator[_Line]:
    """The lines of ``chunk`` (body lines from ``first`` on) with ``cuts`` removed.

    A line that a cut leaves blank is dropped: it is yielded with ``source=None``.
    """
    position = cut = 0
    for number, raw in enumerate(chunk.split("\n"), first):
        start, end = position, position + len(raw)
        position = end + 1
        while cut < len(cuts) and cuts[cut][1] <= start:
            cut += 1
        pieces: list[str] = []
        cursor, touched, index = start, False, cut
        while index < len(cuts) and cuts[index][0] <= end:
            cut_start, cut_end = cuts[index]
            touched = True
            if cut_start > cursor:
                pieces.append(chunk[cursor:cut_start])
            cursor = max(cursor, min(cut_end, end))
            if cut_end > end:
                break
            index += 1
        pieces.append(chunk[cursor:end])
        text = "".join(pieces)
        if touched and not text.strip():
            yield _Line("", None, False)
        else:
            yield _Line(text, number, touched)


def _join(out: list[_Line], wanted: dict[int, int]) -> tuple[str, dict[int, int]]:
    """Join lines; a run of blank lines next to a removal collapses to one blank line.

    A blockquote's empty line (``>``) counts as blank: a fence removed from a quote must
    not leave two of them, nor one dangling at the quote's edge. Returns the text and
    the offset in it of each kept body line of ``wanted`` (which maps each to its offset
    in the body).
    """
    kept: list[_Line] = []
    index = 0
    while index < len(out):
        if not _blank(out[index].text):
            kept.append(out[index])
            index += 1
            continue
        run_end = index
        while run_end < len(out) and _blank(out[run_end].text):
            run_end += 1
        run = out[index:run_end]
        if any(line.seam for line in run) or (run_end < len(out) and out[run_end].seam):
            run = [next((line for line in run if not line.text.strip()), run[0])]
        if kept:  # blank lines before the first text are dropped
            kept.extend(run)
        index = run_end
    while kept and _blank(kept[-1].text):
        kept.pop()
    offsets: dict[int, int] = {}
    parts: list[str] = []
    position = 0
    for line in kept:
        if line.offset >= 0:  # a block: its text is a slice of the body
            for number, at in wanted.items():
                if line.offset <= at < line.offset + len(line.text):
                    offsets[number] = position + at - line.offset
        elif line.source in wanted:
            offsets[line.source] = position
        parts.append(line.text)
        position += len(line.text) + 1
    return "\n".join(parts).rstrip(), offsets


def _blank(text: str) -> bool:
    return not text.strip(" \t>")


def _line_end(text: str, start: int) -> int:
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline
