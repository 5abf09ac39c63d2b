"""The fast clean against the plain one: the same document for every post.

:func:`blog2jsonl.clean.clean` parses only the segments of a body that might hold more
than prose, and assembles untouched lines in blocks; ``_clean_whole`` parses the whole
body and assembles it line by line, as clean always did. Their results must be equal,
text, headings and warnings, for generated bodies full of the constructs that run
across blank lines or change how a line is read, and for every post of the real corpora.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS_NAMES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

import blog2jsonl.clean as clean_module
from blog2jsonl.clean import (
    _clean_whole,
    _heading_text,
    _headings_and_fences,
    _parse_blocks,
    _parse_triggered,
    _parsed_heading_text,
    clean,
    markdown_parser,
)
from blog2jsonl.discover import DEFAULT_EXTENSIONS
from blog2jsonl.errors import PostError
from blog2jsonl.load import load_post
from blog2jsonl.models import Post, Source

OPTIONS: dict[str, dict[str, bool]] = {
    "default": {},
    "keep_code": {"keep_code": True},
    "keep_html": {"keep_html": True},
    "keep_both": {"keep_code": True, "keep_html": True},
}


def post_of(body: str) -> Post:
    return Post(Source(None, "<test>", "test.md"), body, 3, {})


def assert_same(post: Post, **options: bool) -> None:
    fast = clean(post, **options)
    whole = _clean_whole(post, **options)
    assert fast.text == whole.text
    assert fast.headings == whole.headings
    assert fast.warnings == whole.warnings


# --- generated bodies -------------------------------------------------------------------

#: What a line may start with: nothing, indentation, container markers (quotes, list
#: items, footnotes), and enough list markers in a row to reach markdown-it's nesting limit.
PREFIXES = (
    *[""] * 6,
    " ",
    "  ",
    "   ",
    "    ",
    "     ",
    "\t",
    " \t",
    ">",
    "> ",
    ">  ",
    ">     ",
    ">\t",
    "> > ",
    "- ",
    "* ",
    "+ ",
    "-",
    "1. ",
    "2) ",
    "10. ",
    "1.",
    "  - ",
    "    - ",
    "- - ",
    "> - ",
    "- > ",
    "-     ",
    "1.     ",
    "[^1]: ",
    "[^a]:",
    "- + - + - + - + - + ",
    "1. - 2. * 3) + - ",
)

#: What follows the prefix: fences of each kind and length, headings ATX and setext,
#: thematic breaks, tables, every type of HTML block, template tags opening and closing
#: code blocks or not, raw blocks, footnotes, references, CJK, code spans, tabs.
CONTENTS = (
    "",
    "text",
    "more words here",
    "中文文本，一些字。",
    "日本語のテキスト",
    "```",
    "```js",
    "````",
    "``` ```",
    "~~~",
    "~~~~",
    "~~~ruby",
    "# heading",
    "## Heading ##",
    "###### six",
    "####### seven",
    "#nope",
    "#",
    "===",
    "---",
    "- - -",
    "***",
    "___",
    "| a | b |",
    "|---|---|",
    "--|--",
    ":-:",
    "<pre>",
    "</pre>",
    "<div>",
    "</div>",
    "<!--",
    "<!-- comment",
    "-->",
    "<!-- one line -->",
    "<script>",
    "<SCRIPT>",
    "</script>",
    "<style>x</style>",
    "</style>",
    "<textarea>",
    "<?php",
    "?>",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<span>inline</span> text",
    "<",
    "x <",
    "{% codeblock %}",
    "{% codeblock lang:js %}",
    "{% endcodeblock %}",
    "{% highlight ruby %}",
    "{% endhighlight %}",
    "{{< highlight go >}}",
    "{{</ highlight >}}",
    "{{% code %}}",
    "{{% /code %}}",
    "{{< figure\nsrc=x >}}",
    "{% asset_img a.png %}",
    "text {% tag %} text",
    "{% raw %}",
    "{% raw %} {{ x }}",
    "{% endraw %}",
    "x {% endraw %} y",
    "{{ var }}",
    "{",
    "`a {% b %} c`",
    "`code span`",
    "``` inline ``` tail",
    "text <!-- c --> more",
    "[^1]: note",
    "[^1]",
    "[^",
    "[ref]: /url",
    "a\tb",
    "1. item",
    "- item",
    "> quote",
)

BLANK = st.sampled_from(["", "", "", " ", "  ", "\t"])
PROSE = st.sampled_from(["Plain prose.", "More prose here", "x", "中文"])
TRICKY = st.builds(
    lambda prefix, content, tail: prefix + content + tail,
    st.sampled_from(PREFIXES),
    st.sampled_from(CONTENTS),
    st.sampled_from(["", "", "", " ", "  ", "\t"]),
)
#: Multi-line pieces that the line grammar seldom puts together.
SNIPPETS = st.sampled_from(
    [
        "- x\n\n- a | b\n|-|-\n    code",
        "1) x\n\n1) a | b\n:-: | --\n\tcode",
        "```\ncode\n\nmore\n```",
        "~~~~\n~~~\n\n~~~~",
        "<!--\n\nhidden\n\n-->",
        "<pre>\ncode\n\n</pre>",
        "{% codeblock %}\ncode\n\n{% endcodeblock %}",
        "{{< highlight go >}}\n\ncode\n{{< /highlight >}}",
        "Title\n===",
        "- a\n\n  - b\n\n        code",
        "- - - - - - - - - - x",
        "> - > - > - > - > - x",
        "[^1]: a\n\n    b\n\n    ```\n    c",
        "A {% raw %} b\n\n{% x %}\n\n{% endraw %} c",
        "A <!-- b\n\nc --> d",
    ]
)
LINE = st.one_of(BLANK, PROSE, TRICKY, TRICKY, SNIPPETS)
BODY = st.builds(
    lambda lines, end: "\n".join(lines) + end,
    st.lists(LINE, max_size=40),
    st.sampled_from(["", "\n", "\n\n"]),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BODY, st.booleans(), st.booleans())
def test_generated_bodies(body: str, keep_code: bool, keep_html: bool) -> None:
    assert_same(post_of(body), keep_code=keep_code, keep_html=keep_html)


#: Lines for the regions that are tokenised without markdown-it (headings, fences and
#: blank lines), with the near misses that must not be.
REGION_LINES = (
    "",
    " ",
    "\t",
    "# h",
    "## h ##",
    "###### h #",
    "# h #x",
    "# x \\#",
    "# x#",
    "#",
    "# ",
    "#\t#",
    "## \u2000x\u2000",
    "####### x",
    "#x",
    " # h",
    "# a | b",
    "# NUL \0",
    "```",
    "```js",
    "```a`b",
    "````",
    "```  ",
    " ```",
    "   ```",
    "    ```",
    "\t```",
    "``` |",
    "~~~",
    "~~~ a`b",
    "~~~~",
    "~~~ \t",
    "  ~~~",
    "``",
    "code",
    "|-|",
    "-|-",
    "- a",
    "===",
    "---",
    "> q",
    "<div>",
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(REGION_LINES), max_size=12), st.sampled_from(["", "\n", "\n\n"]))
def test_regions_tokenised_without_markdown_it(lines: list[str], end: str) -> None:
    text = "\n".join(lines) + end
    assert _parse_blocks(text) == markdown_parser().parse(text)


def test_headings_and_fences_are_tokenised_without_markdown_it() -> None:
    assert _headings_and_fences("# A\n\n```js\nx\n\n```\n\n## B ##\n") is not None
    assert _headings_and_fences("# A\nprose\n") is None
    assert _headings_and_fences("```\nunclosed\n") is None


#: Every printable ASCII character, and whitespace and letters from further afield.
HEADING_CHARACTERS = "".join(map(chr, range(32, 127))) + "\t\n\u00a0\u2000\u3000中é🚀"


#: Inline markup, whole.
HEADING_PIECES = st.sampled_from(
    [
        *("a", " ", "\n", "  \n", "&amp;", "&#35;", "\\#", "\\", "*a*", "_a_", "`c`", "~~s~~"),
        *("[l](u)", "![i](u)", "[l]", "<b>", "<http://x.y>", "{% t %}", "{{< s >}}"),
    ]
)


@settings(max_examples=3000, deadline=None)
@given(
    st.text(HEADING_CHARACTERS, max_size=12)
    | st.text("ab *_`~[]()!<>&{}%\\", max_size=12)
    | st.lists(HEADING_PIECES, max_size=6).map("".join)
)
def test_heading_texts_without_markup_are_not_parsed(source: str) -> None:
    assert _heading_text(source) == _parsed_heading_text(source)


# --- cases by name ----------------------------------------------------------------------

CASES = {
    "plain prose": "One.\n\nTwo\nlines.\n\n  \nThree.\n",
    "fence with blank lines": "Intro.\n\n```js\nfoo()\n\nbar()\n\n# not a heading\n```\n\n# Real\n",
    "unclosed fence": "Intro.\n\n~~~\ncode\n\nmore code\n\nstill code\n",
    "fence closed by a longer run": "````\n```\n\ninner\n```\n\nstill\n`````\n\nAfter.\n",
    "html comment across paragraphs": "A.\n\n<!-- start\n\nhidden\n\n-->\nB.\n\n# H\n",
    "script across paragraphs": "A.\n\n<script>\nx\n\ny\n</script>\n\nB.\n",
    "template block across paragraphs": (
        "A.\n\n{% codeblock %}\nx\n\ny\n\nz\n{% endcodeblock %}\n\nB.\n"
    ),
    "unclosed template block": "A.\n\n{% codeblock %}\nx\n\ny\n\n## H\n",
    "list continued by a table-like item": "- x\n\n- a | b\n-|-\n    code\n\nEnd.\n",
    "loose list": "- a\n\n- b\n\n  continued\n\n- c\n\n# H\n",
    "nesting limit": "- - - - - - - - - - - - x\n\nProse.\n\n# Heading\n\n```\ncode\n```\n",
    "carriage returns": "# A\r\n\r\nText.\r\n\r\n```\r\ncode\r\n```\r\n",
    "NUL characters": "A\0.\n\n# H\0\n\n```\n\0\n```\n",
    "setext heading": "Title\n=====\n\nText.\n\nSub\n---\n",
    "heading deep in a paragraph block": "a\nb\nc\n\nd\ne\n# H\nf\n\ng\n",
    "tags and comments in prose": (
        "A {% tag %} b.\n\nC <!-- c --> d.\n\n`{% not %}` e.\n\n{% raw %}\n\n{{ x }}\n\n"
        "{% endraw %} f.\n"
    ),
    "unclosed comment in prose": "A <!-- b\n\nc\n\nd.\n\n# H\n",
    "raw opened in a paragraph": "A {% raw %} b\n\n{% tag %}\n\n{% endraw %} c\n\n{% t %} d\n",
    "raw closed by a tag across a blank line": "A {% raw %} b\n\nc {%\n\nendraw %} d {% t %}\n",
    "blank quote lines around a removed fence": "> a\n>\n> ```\n> x\n> ```\n>\n> b\n",
    "indented code after a paragraph": "Para\n    not code\n\n    code\n\nAfter.\n",
    "footnote with code": "[^1]: note\n\n    code in note\n\nText.\n\n    real code\n",
    "footnote opening a fence": "Text.\n\n[^1]: ```\nfoo\n\nMore.\n",
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_named_case(body: str, options: dict[str, bool]) -> None:
    assert_same(post_of(body), **options)


def test_plain_prose_is_not_parsed() -> None:
    assert _parse_triggered("One.\n\nTwo\nlines.\n\n[a link](x) and *emphasis*.\n") == []


def test_only_the_segment_with_a_heading_is_parsed() -> None:
    body = "One.\n\n## Two\n\nThree.\n"
    parsed = _parse_triggered(body)
    assert parsed is not None
    assert [(start, end) for start, end, _ in parsed] == [(6, 14)]


def test_the_parser_runs_no_core_rule_the_fast_path_skips() -> None:
    # The fast path runs the block rules alone: the other core rules would have to
    # leave its text (no carriage returns, no NULs, no inline tokens) as it is.
    rules = markdown_parser().core.ruler.get_active_rules()
    assert rules == ["normalize", "block", "text_join"]


def test_the_nesting_limit_falls_back_to_the_whole_body() -> None:
    assert _parse_triggered("- - - - - - - - - - - - x\n\nProse.\n\n# Heading\n") is None


def test_the_nesting_limit_after_walked_regions_still_falls_back_whole() -> None:
    body = "# One\n\nText.\n\n```\ncode\n```\n\n- - - - - - - - - - - - x\n\n## Two\n\nEnd.\n"
    assert _parse_triggered(body) is None
    for options in OPTIONS.values():
        assert_same(post_of(body), **options)


def test_each_region_is_walked_before_the_next_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A post of many regions never holds all their tokens at once (the garbage collector
    # would rescan them all, again and again, for as long as the post is cleaned).
    regions = 40
    body = "".join(
        f"## Heading {n}\n\nProse {n}.\n\n```\ncode {n}\n```\n\n" for n in range(regions)
    )
    alive: list[int] = []
    walk = clean_module._walk

    def counting(*args: Any, **kwargs: Any) -> Any:
        alive.append(sum(isinstance(each, Token) for each in gc.get_objects()))
        return walk(*args, **kwargs)

    monkeypatch.setattr(clean_module, "_walk", counting)
    tokens_made = sum(len(tokens) for _, _, tokens in _parse_triggered(body) or [])
    assert tokens_made >= 4 * regions
    document = clean(post_of(body))
    assert len(document.headings) == regions and len(alive) >= regions
    assert max(alive) < tokens_made // 4


# --- the real corpora -------------------------------------------------------------------


def corpus_posts(root: Path) -> list[Post]:
    posts = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in DEFAULT_EXTENSIONS and path.is_file():
            try:
                posts.append(load_post(path))
            except PostError:
                continue  # the corpora hold a few broken posts on purpose
    return posts


@pytest.mark.parametrize("corpus", CORPUS_NAMES)
def test_every_corpus_post(corpora: Path, corpus: str) -> None:
    posts = corpus_posts(corpora / corpus)
    assert posts, f"no posts read from {corpora / corpus}"
    different = [
        f"{post.source.display} {options}"
        for post in posts
        for options in OPTIONS.values()
        if clean(post, **options) != _clean_whole(post, **options)
    ]
    assert not different


@pytest.mark.parametrize("corpus", CORPUS_NAMES)
def test_every_corpus_region_is_tokenised_as_markdown_it_does(corpora: Path, corpus: str) -> None:
    different = []
    for post in corpus_posts(corpora / corpus):
        for start, end, tokens in _parse_triggered(post.body) or []:
            if tokens != markdown_parser().parse(post.body[start:end]):
                different.append(f"{post.source.display} {start}:{end}")
    assert not different
