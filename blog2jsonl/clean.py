"""Clean: remove code and markup noise from a post, keeping the author's prose as written.

The body is parsed at the block level with markdown-it-py (CommonMark plus tables,
strikethrough and footnotes; no linkify). The walk marks each source line as removed
(fenced and indented code, template-tag code blocks), as raw HTML (from which template
tags, comments, scripts and styles are cut) or as prose (from which template tags and
inline comments, scripts and styles are cut). The cleaned text is then assembled from
slices of the source lines: never re-rendered, so headings, emphasis, lists, tables,
links and inline code survive byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .errors import Diagnostic
from .models import Document, Heading, Post
from .templates import TEMPLATE_CODE, TagStripper, template_code_plugin

__all__ = ["clean", "markdown_parser"]

_PRE = re.compile(r"[ \t]*<pre[\s>]", re.IGNORECASE)


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
    lines = post.body.split("\n")
    kinds = [_Kind.PROSE] * len(lines)
    heading_lines: dict[int, tuple[int, str, int]] = {}  # first line -> (level, text, end line)
    warnings: list[Diagnostic] = []
    tokens = markdown_parser().parse(post.body)

    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            _mark(kinds, start, end, _Kind.VERBATIM if keep_code else _Kind.REMOVED)
            if token.type == "fence" and not _fence_closed(token, lines):
                warnings.append(_unclosed(post, start, end, "code fence"))
        elif token.type == TEMPLATE_CODE:
            if keep_code:
                _mark(kinds, start + 1, end - 1 if token.meta["closed"] else end, _Kind.VERBATIM)
                _mark(kinds, start, start + 1, _Kind.REMOVED)
                if token.meta["closed"]:
                    _mark(kinds, end - 1, end, _Kind.REMOVED)
            else:
                _mark(kinds, start, end, _Kind.REMOVED)
            if not token.meta["closed"]:
                warnings.append(_unclosed(post, start, end, f"template block {token.markup}"))
        elif token.type == "html_block" and _PRE.match(token.content):
            # A <pre> block is preformatted code written in HTML.
            _mark(kinds, start, end, _Kind.VERBATIM if keep_code else _Kind.REMOVED)
        elif token.type == "html_block":
            _mark(kinds, start, end, _Kind.HTML)
        elif token.type == "heading_open" and token.level == 0:
            text = _heading_text(tokens[index + 1].content)
            heading_lines[start] = (int(token.tag[1]), text, end)

    text, line_offsets = _assemble(lines, kinds, TagStripper(keep_html=keep_html))
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
    return Document(post.source, text, headings, (*post.warnings, *warnings))


def _mark(kinds: list[_Kind], start: int, end: int, kind: _Kind) -> None:
    for line in range(start, min(end, len(kinds))):
        kinds[line] = kind


def _fence_closed(token: Token, lines: list[str]) -> bool:
    start, end = token.map or (0, 0)
    if end - start < 2:
        return False
    last = lines[end - 1].lstrip(" \t>")
    marker = token.markup
    return (
        re.fullmatch(re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*", last) is not None
    )


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
    md = _inline_parser()
    tokens: list[Token] = []
    md.inline.parse(source, md, {}, tokens)
    pieces = [
        " " if t.type in ("softbreak", "hardbreak") else t.content
        for t in tokens
        if t.type in ("text", "code_inline", "softbreak", "hardbreak")
    ]
    return " ".join(TagStripper.strip("".join(pieces)).split())


@dataclass(slots=True)
class _Line:
    text: str
    source: int | None  # index of the body line it comes from
    seam: bool  # something was removed just before this line


def _assemble(
    lines: list[str], kinds: list[_Kind], stripper: TagStripper
) -> tuple[str, dict[int, int]]:
    """Join the kept lines; returns the text and each kept body line's offset in it."""
    out: list[_Line] = []
    seam = False
    for kind, start, end in _runs(kinds):
        if kind is _Kind.REMOVED:
            seam = True
            continue
        chunk = "\n".join(lines[start:end])
        if kind is _Kind.VERBATIM:
            cuts: list[tuple[int, int]] = []
        elif kind is _Kind.HTML:
            cuts = stripper.html_spans(chunk)
        else:
            cuts = stripper.spans(chunk)
        for line in _cut_lines(chunk, start, cuts):
            if line.source is None:
                seam = True
                continue
            out.append(_Line(line.text, line.source, seam or line.seam))
            seam = False
    return _join(out)


def _runs(kinds: list[_Kind]) -> Iterator[tuple[_Kind, int, int]]:
    start = 0
    for index in range(1, len(kinds) + 1):
        if index == len(kinds) or kinds[index] is not kinds[start]:
            yield kinds[start], start, index
            start = index


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


def _join(out: list[_Line]) -> tuple[str, dict[int, int]]:
    """Join lines; a run of blank lines next to a removal collapses to one blank line.

    A blockquote's empty line (``>``) counts as blank: a fence removed from a quote must
    not leave two of them, nor one dangling at the quote's edge.
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
        if line.source is not None:
            offsets[line.source] = position
        parts.append(line.text)
        position += len(line.text) + 1
    return "\n".join(parts).rstrip(), offsets


def _blank(text: str) -> bool:
    return not text.strip(" \t>")


def _line_end(text: str, start: int) -> int:
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline
