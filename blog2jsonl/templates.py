"""Template-language syntax that Markdown parsers do not know: Liquid, Nunjucks, Hugo.

Two parts, both used by :mod:`blog2jsonl.clean`:

- :func:`template_code_plugin`, a markdown-it block rule that recognises code blocks
  written as template tags (``{% codeblock %}``, ``{% highlight %}``, Hugo's
  ``{{< highlight >}}`` and ``{{< code >}}``), so that the token walk treats them like
  fences: a fence's content is never read as a template block and vice versa, because
  the block parser meets them in document order;
- :class:`TagStripper`, which removes the remaining tags from prose, keeping the text
  between an opening and a closing tag, leaving inline code spans and
  ``{% raw %}…{% endraw %}`` content as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

__all__ = ["TagStripper", "template_code_plugin"]

TEMPLATE_CODE = "template_code"

# Liquid/Nunjucks tags may use whitespace control (`{%-`, `-%}`).
_LIQUID_OPEN = re.compile(r"\{%-?\s*(codeblock|code|highlight)\b[^\n]*?-?%\}")
_HUGO_OPEN = re.compile(r"\{\{([<%])\s*(highlight|code)\b[^\n]*?[>%]\}\}")

_LIQUID_TAG = r"\{%-?[^\n]*?-?%\}"
# Hugo shortcodes may wrap their parameters over lines, never over a blank line.
_HUGO_TAG = r"\{\{[<%](?:(?!\n[ \t]*\n).)*?[>%]\}\}"
_RAW_OPEN = re.compile(r"\{%-?\s*raw\s*-?%\}")
_RAW_CLOSE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_CODE_SPAN = r"(?<!`)(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`)"
_HTML_NOISE = (
    r"<!--.*?(?:-->|\Z)"
    r"|<script\b.*?(?:</script\s*>|\Z)"
    r"|<style\b.*?(?:</style\s*>|\Z)"
)
# Where a match of _TAGS_AND_HTML other than a code span can begin, and a blank line.
_TAG_START = re.compile(r"\{%|\{\{[<%]")
_NOISE_START = re.compile(r"<(?:!--|script|style)", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TAGS = re.compile(rf"(?P<code>{_CODE_SPAN})|(?P<tag>{_LIQUID_TAG}|{_HUGO_TAG})", re.DOTALL)
_TAGS_AND_HTML = re.compile(
    rf"(?P<code>{_CODE_SPAN})|(?P<tag>{_LIQUID_TAG}|{_HUGO_TAG})|(?P<html>{_HTML_NOISE})",
    re.DOTALL | re.IGNORECASE,
)


def _closing_tag(opening: re.Match[str]) -> re.Pattern[str]:
    if opening.re is _LIQUID_OPEN:
        name = opening.group(1)
        return re.compile(r"\{%-?\s*end" + name + r"\s*-?%\}")
    delimiter, name = opening.group(1), opening.group(2)
    close = ">" if delimiter == "<" else "%"
    return re.compile(r"\{\{" + re.escape(delimiter) + r"\s*/\s*" + name + r"\s*" + close + r"\}\}")


def _template_code_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[begin : state.eMarks[start_line]]
    if not line.startswith("{"):
        return False
    opening = _LIQUID_OPEN.match(line) or _HUGO_OPEN.match(line)
    if opening is None:
        return False
    if silent:
        return True
    closing = _closing_tag(opening)
    next_line, closed = start_line, False
    search_from = begin + opening.end()
    while next_line < end_line:
        if next_line > start_line:
            if state.sCount[next_line] < state.blkIndent and not state.isEmpty(next_line):
                break  # the container (list item, blockquote) ended
            search_from = state.bMarks[next_line] + state.tShift[next_line]
        if closing.search(state.src, search_from, state.eMarks[next_line]):
            closed = True
            break
        next_line += 1
    last = next_line + 1 if closed else next_line
    token = state.push(TEMPLATE_CODE, "", 0)
    token.map = [start_line, last]
    token.markup = opening.group(0)
    token.meta = {"closed": closed}
    token.block = True
    state.line = last
    return True


def template_code_plugin(md: MarkdownIt) -> None:
    """A markdown-it plugin: template-tag code blocks become ``template_code`` tokens.

    An unclosed one runs to the end of its container, like an unclosed fence; its
    token's ``meta["closed"]`` is then ``False``.
    """
    md.block.ruler.before(
        "fence",
        TEMPLATE_CODE,
        _template_code_rule,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )


@dataclass
class TagStripper:
    """Removes template tags (and, unless ``keep_html``, HTML comments, scripts and styles).

    It keeps state between calls, so a ``{% raw %}`` opened in one piece of prose and
    closed in a later one protects everything in between.
    """

    keep_html: bool = False
    in_raw: bool = False

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` spans of ``text`` to remove, in order.

        A cut takes the spaces that only separated the tag from its neighbours with it:
        ``"a {% tag %} b"`` becomes ``"a b"``, and a tag at the start or end of a line
        leaves no space there.
        """
        removed: list[tuple[int, int]] = []
        position = 0
        pattern = _TAGS if self.keep_html else _TAGS_AND_HTML
        while position < len(text):
            if self.in_raw:
                close = _RAW_CLOSE.search(text, position)
                if close is None:
                    return removed
                position, self.in_raw = _add_cut(removed, text, *close.span()), False
                continue
            found = pattern.search(text, position)
            if found is None:
                break
            position = found.end()
            if found.lastgroup == "code":
                continue
            position = _add_cut(removed, text, *found.span())
            if found.lastgroup == "tag" and _RAW_OPEN.fullmatch(found.group()):
                self.in_raw = True
        return removed

    def spans_near_tags(self, text: str) -> list[tuple[int, int]]:
        """:meth:`spans` of ``text``, scanning only the paragraphs where a cut can begin.

        The full scan is slow and most prose holds no tag. A cut begins only where a
        template tag, an HTML comment, a script or a style does; elsewhere the scan only
        skips code spans, which (like tags) never cross a blank line. So each scan starts
        at the blank line before such a beginning and stops at the blank line after it,
        unless a comment, script, style or ``{% raw %}`` is still open there: then it runs
        to the end. The same cuts as :meth:`spans` (and :meth:`html_spans`), found faster.
        """
        if self.in_raw:
            return self.spans(text)
        cuts: list[tuple[int, int]] = []
        end = 0
        for tag in _cut_starts(text, html=not self.keep_html):
            if tag < end:
                continue
            start = text.rfind("\n\n", end, tag)
            start = end if start < 0 else start + 2
            blank = _BLANK_LINE.search(text, tag)
            end = len(text) if blank is None else blank.end()
            found = self.spans(text[start:end])
            if end < len(text) and (self.in_raw or (found and found[-1][1] == end - start)):
                self.in_raw = False
                found = self.spans(text[start:])
                end = len(text)
            cuts.extend((cut_start + start, cut_end + start) for cut_start, cut_end in found)
            if end == len(text):
                break
        return cuts

    def html_spans(self, text: str) -> list[tuple[int, int]]:
        """The spans to remove from raw HTML (an HTML block): the same as :meth:`spans`.

        Template engines expand their tags before Markdown sees the HTML, so a tag
        inside an HTML block (an ``{% asset_img %}`` in a ``<div>``) is a tag too.
        """
        return self.spans(text)

    @staticmethod
    def strip(text: str) -> str:
        """``text`` with every template tag removed (used for heading texts)."""
        return _TAGS.sub(lambda m: m.group() if m.lastgroup == "code" else "", text)


def _cut_starts(text: str, *, html: bool) -> Iterator[int]:
    """Where in ``text`` a template tag begins, and an HTML comment, script or style if ``html``.

    In order. Found with ``str.find``, which skips prose many times faster than a regex:
    the braces and angle brackets it stops at are rare outside code.
    """
    brace = text.find("{")
    angle = text.find("<") if html else -1
    while brace >= 0 or angle >= 0:
        if angle < 0 or 0 <= brace < angle:
            if _TAG_START.match(text, brace):
                yield brace
            brace = text.find("{", brace + 1)
        else:
            if _NOISE_START.match(text, angle):
                yield angle
            angle = text.find("<", angle + 1)


def _add_cut(removed: list[tuple[int, int]], text: str, start: int, end: int) -> int:
    """Append the cut ``text[start:end]`` to ``removed``, widened over separating spaces.

    A cut with only spaces between it and the previous one is merged with it, so that
    two tags in a row are judged as one. Returns where the search goes on.
    """
    if removed and not text[removed[-1][1] : start].strip(" \t"):
        start = removed.pop()[0]
    floor = removed[-1][1] if removed else 0
    before, after = start, end
    while before > floor and text[before - 1] in " \t":
        before -= 1
    while after < len(text) and text[after] in " \t":
        after += 1
    starts_line = before == 0 or text[before - 1] == "\n"
    ends_line = after == len(text) or text[after] == "\n"
    multiline = "\n" in text[start:end]
    # Spaces at the end of a line go; so do the spaces after a cut that starts a line or
    # already has a space before it (which stays, as the one separator).
    left = before if (ends_line or multiline) and not starts_line else start
    right = after if starts_line or multiline or before < start else end
    removed.append((left, right))
    return right
