"""Tests for the clean stage: code and markup noise out, the author's prose in, as written."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blog2jsonl.clean import clean, markdown_parser
from blog2jsonl.load import load_post
from blog2jsonl.models import Document, Heading, Source

GOLDEN = Path(__file__).parent / "golden" / "clean"


def cleaned(
    tmp_path: Path, source: str, *, keep_code: bool = False, keep_html: bool = False
) -> Document:
    """Write ``source`` as a post in ``tmp_path``, load it and clean it."""
    path = tmp_path / "post.md"
    path.write_text(source, encoding="utf-8", newline="")
    return clean(load_post(path), keep_code=keep_code, keep_html=keep_html)


def text_of(tmp_path: Path, source: str, **options: bool) -> str:
    return cleaned(tmp_path, source, **options).text


# --- the parser -------------------------------------------------------------------------


def test_parser_is_commonmark_with_tables_strikethrough_and_footnotes() -> None:
    md = markdown_parser()
    types = [t.type for t in md.parse("| a | b |\n|---|---|\n| 1 | 2 |\n\n[^n]: A note.\n")]
    assert "table_open" in types
    assert "footnote_reference_open" in types
    assert "strikethrough" in md.get_active_rules()["inline"]
    assert "linkify" not in md.get_active_rules()["core"]
    assert md.options["linkify"] is False


def test_bare_urls_stay_as_written(tmp_path: Path) -> None:
    source = "See https://example.org/a_b_c and www.example.org for more.\n"
    assert text_of(tmp_path, source) == source.rstrip("\n")


# --- code -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fence",
    [
        "```\nplain code\n```",
        "```python\nx = 1  # code\n```",
        "~~~\ntilde code\n~~~",
        "~~~ruby\nputs 'hi'\n~~~",
    ],
)
def test_fenced_code_is_removed(tmp_path: Path, fence: str) -> None:
    assert text_of(tmp_path, f"Before.\n\n{fence}\n\nAfter.\n") == "Before.\n\nAfter."


@pytest.mark.parametrize(
    "fence",
    [
        "````md\nouter\n```py\ninner = 1\n```\nstill outer\n````",
        "`````\n````\n```\ndeep\n```\n````\n`````",
        "~~~~\n~~~\ntilde inner\n~~~\n~~~~",
        "```\n~~~\nmixed inner\n~~~\n```",
        "~~~\n```\nbackticks in tildes\n~~~",
    ],
)
def test_longer_fence_containing_shorter_fence_leaks_nothing(tmp_path: Path, fence: str) -> None:
    document = cleaned(tmp_path, f"Before.\n\n{fence}\n\nAfter.\n")
    assert document.text == "Before.\n\nAfter."
    assert document.warnings == ()


def test_indented_code_block_is_removed(tmp_path: Path) -> None:
    source = "A paragraph.\n\n    $ make install\n    # done\n\nNext paragraph.\n"
    document = cleaned(tmp_path, source)
    assert document.text == "A paragraph.\n\nNext paragraph."
    assert document.headings == ()


def test_fence_in_list_item_is_removed_and_the_list_goes_on(tmp_path: Path) -> None:
    source = (
        "1. Install it:\n"
        "\n"
        "   ```sh\n"
        "   # a shell comment\n"
        "   pip install thing\n"
        "   ```\n"
        "2. Run it.\n"
        "   - nested item\n"
        "     ~~~\n"
        "     nested code\n"
        "     ~~~\n"
        "   - another\n"
    )
    assert text_of(tmp_path, source) == (
        "1. Install it:\n\n2. Run it.\n   - nested item\n   - another"
    )


def test_fence_in_blockquote_is_removed_without_extra_quote_lines(tmp_path: Path) -> None:
    source = "> Quoted prose.\n>\n> ```\n> quoted code\n> ```\n>\n> More quoted prose.\n"
    assert text_of(tmp_path, source) == "> Quoted prose.\n>\n> More quoted prose."


def test_fence_at_the_edge_of_a_blockquote_leaves_no_dangling_quote_line(tmp_path: Path) -> None:
    source = (
        "> ```\n> code first\n> ```\n>\n> Then prose.\n\n> Prose first.\n>\n> ```\n> x\n> ```\n"
    )
    assert text_of(tmp_path, source) == "> Then prose.\n\n> Prose first."


def test_a_post_that_is_only_code_cleans_to_nothing(tmp_path: Path) -> None:
    source = (
        "---\ntitle: Code\n---\n\n"
        "```\none\n```\n\n    two\n\n{% highlight c %}\nthree\n{% endhighlight %}\n"
    )
    document = cleaned(tmp_path, source)
    assert document.text == ""
    assert document.headings == ()
    assert document.warnings == ()


# --- template code blocks --------------------------------------------------------------

# Content that must never leak: a heading-like comment and a Markdown fence.
LEAKY = "# comment, not a heading\n```\nfenced = True\n```\nsecret_code()"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("{% codeblock %}", "{% endcodeblock %}"),
        ('{% codeblock lang:js title "app.js" %}', "{% endcodeblock %}"),
        ("{% codeblock app.js lang:js https://example.org/app.js %}", "{% endcodeblock %}"),
        ("{% highlight ruby %}", "{% endhighlight %}"),
        ("{% highlight ruby linenos %}", "{% endhighlight %}"),
        ("{%- highlight ruby -%}", "{%- endhighlight -%}"),
        ("{{< highlight go >}}", "{{< /highlight >}}"),
        ('{{< highlight go "linenos=table" >}}', "{{< /highlight >}}"),
        ("{{< code >}}", "{{< /code >}}"),
        ('{{< code lang="js" >}}', "{{< /code >}}"),
    ],
)
def test_template_code_block_is_removed_with_its_content(
    tmp_path: Path, opening: str, closing: str
) -> None:
    source = f"# Title\n\nBefore.\n\n{opening}\n{LEAKY}\n{closing}\n\nAfter.\n"
    document = cleaned(tmp_path, source)
    assert document.text == "# Title\n\nBefore.\n\nAfter."
    assert [h.text for h in document.headings] == ["Title"]
    assert document.warnings == ()


def test_template_code_block_interrupting_a_paragraph_is_removed(tmp_path: Path) -> None:
    source = "Look:\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\nThat printed one.\n"
    assert text_of(tmp_path, source) == "Look:\nThat printed one."


def test_template_code_block_in_a_list_item_is_removed(tmp_path: Path) -> None:
    source = "- First:\n  {% codeblock %}\n  in_list()\n  {% endcodeblock %}\n- Second.\n"
    assert text_of(tmp_path, source) == "- First:\n- Second."


def test_include_code_is_removed(tmp_path: Path) -> None:
    source = "The helper:\n\n{% include_code lang:js helpers/slug.js %}\n\nThat is it.\n"
    assert text_of(tmp_path, source) == "The helper:\n\nThat is it."


def test_unclosed_template_code_block_runs_to_the_end_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: t\n---\nIntro.\n\n{% highlight ruby %}\nputs 1\n\nTail.\n")
    document = clean(load_post(path))
    assert document.text == "Intro."
    [warning] = document.warnings
    assert (warning.path, warning.line) == (str(path), 6)


# --- other template tags ---------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "{% post_link my-first-post %}",
        '{% post_link my-first-post "the first post" %}',
        "{% asset_img diagram.png A diagram %}",
        '{{< figure src="x.png" >}}',
        '{{< ref "other.md" >}}',
        "{%- include note.html -%}",
    ],
)
def test_inline_tag_is_removed_without_leaving_a_double_space(tmp_path: Path, tag: str) -> None:
    assert text_of(tmp_path, f"Before {tag} after.\n") == "Before after."


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% post_link x %} starts the line.\n", "starts the line."),
        ("Ends the line {% post_link x %}\n", "Ends the line"),
        ("Line one\n{% asset_img a.png %} line two.\n", "Line one\nline two."),
        ("Line one {% asset_img a.png %}\nline two.\n", "Line one\nline two."),
        ("Two {% post_link a %} {% post_link b %} tags.\n", "Two tags."),
        ("{% post_link a %} {% post_link b %} lead.\n", "lead."),
        ("- {% post_link a %} item\n", "- item"),
        ("> Quote {% post_link a %}\n", "> Quote"),
        ("Glued{% post_link a %}on.\n", "Gluedon."),
    ],
)
def test_removing_a_tag_leaves_no_stray_spaces(tmp_path: Path, source: str, expected: str) -> None:
    assert text_of(tmp_path, source) == expected


def test_tag_alone_on_its_lines_disappears(tmp_path: Path) -> None:
    source = (
        'First.\n\n{{< figure\n    src="a.png"\n    caption="A" >}}\n\n'
        "{% asset_img b.png %}\n\nLast.\n"
    )
    assert text_of(tmp_path, source) == "First.\n\nLast."


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% note info %}Read this first.{% endnote %}\n", "Read this first."),
        ("{% note warning %}\nMind the *gap*.\n{% endnote %}\n", "Mind the *gap*."),
        ("{{% notice tip %}}Use `-D` for drafts.{{% /notice %}}\n", "Use `-D` for drafts."),
        ("{{% notice tip %}}\nTwo lines\nof tip.\n{{% /notice %}}\n", "Two lines\nof tip."),
        ("{{< alert >}}Careful now.{{< /alert >}}\n", "Careful now."),
    ],
)
def test_paired_tags_keep_the_prose_between_them(
    tmp_path: Path, source: str, expected: str
) -> None:
    assert text_of(tmp_path, source) == expected


def test_raw_content_is_kept_literally(tmp_path: Path) -> None:
    source = "{% raw %}Type {% include footer.html %} or {{ site.url }}.{% endraw %}\n"
    assert text_of(tmp_path, source) == "Type {% include footer.html %} or {{ site.url }}."


def test_raw_spanning_paragraphs_keeps_everything_between_markers(tmp_path: Path) -> None:
    source = (
        "Intro {% post_link a %} here.\n"
        "\n"
        "{% raw %}\n"
        "First {% include x.html %} raw.\n"
        "\n"
        "Second {{< figure >}} raw {% endraw %} and {% post_link b %} not raw.\n"
    )
    assert text_of(tmp_path, source) == (
        "Intro here.\n\nFirst {% include x.html %} raw.\n\nSecond {{< figure >}} raw and not raw."
    )


def test_template_syntax_inside_a_fence_is_code(tmp_path: Path) -> None:
    fence = "```liquid\n{% raw %}\n{% highlight ruby %}\n{{ page.title }}\n```"
    source = f"Prose {{{{ page.title }}}}.\n\n{fence}\n\nAfter {{% post_link x %}} it.\n"
    assert text_of(tmp_path, source) == "Prose {{ page.title }}.\n\nAfter it."
    kept = text_of(tmp_path, source, keep_code=True)
    assert kept == f"Prose {{{{ page.title }}}}.\n\n{fence}\n\nAfter it."


def test_placeholders_outside_tags_are_prose(tmp_path: Path) -> None:
    source = "Dear {{name}}, the page {{ page.title }} uses {{placeholder}}.\n"
    assert text_of(tmp_path, source) == source.rstrip("\n")


def test_tags_inside_inline_code_spans_stay(tmp_path: Path) -> None:
    source = (
        "Write `{% post_link slug %}` to link, ``{{< figure src=`x` >}}`` for images,\n"
        "and `{% raw %}` to escape; {% post_link real %} goes.\n"
    )
    assert text_of(tmp_path, source) == (
        "Write `{% post_link slug %}` to link, ``{{< figure src=`x` >}}`` for images,\n"
        "and `{% raw %}` to escape; goes."
    )


def test_tags_inside_html_blocks_are_removed(tmp_path: Path) -> None:
    source = (
        '<div align="center">\n{% asset_img a.png %}\n</div>\n\n<p>{{< figure src="x" >}}</p>\n'
    )
    assert text_of(tmp_path, source) == '<div align="center">\n</div>\n\n<p></p>'


def test_tags_are_dropped_from_headings(tmp_path: Path) -> None:
    document = cleaned(tmp_path, "## See {% post_link other %}\n\nText.\n")
    assert document.text == "## See\n\nText."
    [heading] = document.headings
    assert heading.text == "See"
    assert document.text[heading.start : heading.end] == "## See"


# --- HTML -------------------------------------------------------------------------------

HTML_POST = (
    "Intro. <!-- more -->\n"
    "\n"
    "<!-- more -->\n"
    "\n"
    "A comment <!-- inline --> here.\n"
    "\n"
    "<!--\n"
    "multi\n"
    "\n"
    "line\n"
    "-->\n"
    "\n"
    "<script>\n"
    "let a = 1;\n"
    "\n"
    "let b = 2;\n"
    "</script>\n"
    "\n"
    "<style>\n"
    "p { margin: 0 }\n"
    "</style>\n"
    "\n"
    '<div class="box">A box</div>\n'
    "\n"
    '<img src="a.png" alt="A">\n'
    "\n"
    "Inline <script>x()</script> and <STYLE>p{}</STYLE> gone.\n"
)


def test_html_comments_scripts_and_styles_are_removed(tmp_path: Path) -> None:
    assert text_of(tmp_path, HTML_POST) == (
        "Intro.\n"
        "\n"
        "A comment here.\n"
        "\n"
        '<div class="box">A box</div>\n'
        "\n"
        '<img src="a.png" alt="A">\n'
        "\n"
        "Inline and gone."
    )


def test_keep_html_keeps_comments_scripts_and_styles(tmp_path: Path) -> None:
    assert text_of(tmp_path, HTML_POST, keep_html=True) == HTML_POST.rstrip("\n")


def test_multiline_inline_comment_leaves_no_stray_spaces(tmp_path: Path) -> None:
    source = "Text <!-- a note\nover two lines --> goes on.\n"
    assert text_of(tmp_path, source) == "Text\ngoes on."


# --- prose stays as written -------------------------------------------------------------

PROSE = """\
# Notes on *writing* `clean` code

Some **bold**, some _emphasis_, some ~~strike~~, a [link](https://example.org "t"),
an ![image](a.png), <https://example.org>, a hard break\x20\x20
and `inline {code}` with a trailing backslash\\
line.

- a list item
  continued
- [ ] a task
    1. nested, deeper indent

> A quote with a [ref link][ref].

| left | right |
|:-----|------:|
| a \\| b | 中文 |

Emoji 🎉👩‍💻 and 中文：你好，世界！ and an entity &amp; stay.

[ref]: https://example.org/ref

Text with a footnote.[^1]

[^1]: The footnote's first paragraph.

    Its indented continuation, which is not code.

***

Setext heading
--------------
Last line."""


def test_prose_survives_byte_for_byte(tmp_path: Path) -> None:
    assert text_of(tmp_path, PROSE + "\n") == PROSE


def test_prose_around_removed_code_survives_byte_for_byte(tmp_path: Path) -> None:
    first, second = PROSE.split("\n\n***\n\n")
    source = f"{first}\n\n```\ncode\n```\n\n{second}\n"
    assert text_of(tmp_path, source) == f"{first}\n\n{second}"


def test_footnote_continuation_is_not_indented_code(tmp_path: Path) -> None:
    source = "Claim.[^a]\n\n[^a]: Source.\n\n    More about the source.\n\n    code? no\n"
    assert text_of(tmp_path, source) == source.rstrip("\n")


def test_indented_code_after_a_footnote_ends_is_code(tmp_path: Path) -> None:
    source = "Claim.[^a]\n\n[^a]: Source.\n\nA paragraph.\n\n    real_code()\n"
    assert text_of(tmp_path, source) == "Claim.[^a]\n\n[^a]: Source.\n\nA paragraph."


# --- blank lines ------------------------------------------------------------------------


def test_removal_between_paragraphs_leaves_one_blank_line(tmp_path: Path) -> None:
    source = (
        "One.\n\n\n```\ncode\n```\n\n\n<!-- c -->\n\n\n    indented\n\n"
        "{% highlight c %}\nx\n{% endhighlight %}\n\n\nTwo.\n"
    )
    text = text_of(tmp_path, source)
    assert text == "One.\n\nTwo."
    assert "\n\n\n" not in text


def test_author_double_blank_lines_elsewhere_are_kept(tmp_path: Path) -> None:
    source = "One.\n\n\nTwo.\n\n```\ncode\n```\n\nThree.\n\n\n\nFour.\n"
    assert text_of(tmp_path, source) == "One.\n\n\nTwo.\n\nThree.\n\n\n\nFour."


def test_no_leading_or_trailing_blank_lines(tmp_path: Path) -> None:
    source = "\n\n```\nfirst\n```\n\n<!-- c -->\n\nMiddle.\n\n    last\n\n\n"
    assert text_of(tmp_path, source) == "Middle."
    source = "---\ntitle: t\n---\n\n\nBody after blank lines.\n\n\n"
    assert text_of(tmp_path, source) == "Body after blank lines."


# --- unclosed fences --------------------------------------------------------------------


def test_unclosed_fence_follows_commonmark_and_warns_with_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text(
        "---\ntitle: Unclosed\ntags: [a]\n---\n"  # the body starts on line 5
        "# Title\n\nIntro.\n\n```python\nx = 1\n\n## Not a heading\n\nNot prose either.\n"
    )
    document = clean(load_post(path))
    assert document.text == "# Title\n\nIntro."
    assert [h.text for h in document.headings] == ["Title"]
    [warning] = document.warnings
    assert warning.path == str(path)
    assert warning.line == 9
    assert warning.severity == "warning"
    assert "never closed" in warning.message


def test_unclosed_fence_in_a_blockquote_ends_with_the_quote(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("> Quoted.\n>\n> ```js\n> let a;\n\nAfter the quote.\n")
    document = clean(load_post(path))
    assert document.text == "> Quoted.\n\nAfter the quote."
    [warning] = document.warnings
    assert (warning.path, warning.line) == (str(path), 3)


def test_unclosed_fence_keeps_the_code_with_keep_code(tmp_path: Path) -> None:
    document = cleaned(tmp_path, "Intro.\n\n~~~~\ncode\n~~~\n", keep_code=True)
    assert document.text == "Intro.\n\n~~~~\ncode\n~~~"
    [warning] = document.warnings
    assert warning.line == 3


def test_closed_fences_do_not_warn(tmp_path: Path) -> None:
    source = "```\na\n`````\n\n~~~\nb\n~~~   \n\n- ```\n  c\n  ```\n\n> ```\n> d\n> ```\t\n"
    assert cleaned(tmp_path, source).warnings == ()


# --- options ----------------------------------------------------------------------------

CODE_POST = (
    "Intro.\n"
    "\n"
    "```python\n"
    "print('fence')\n"
    "```\n"
    "\n"
    "    indented = True\n"
    "\n"
    "{% codeblock lang:js %}\n"
    "liquid_block();\n"
    "{% endcodeblock %}\n"
    "\n"
    "{{< highlight go >}}\n"
    "hugoBlock()\n"
    "{{< /highlight >}}\n"
    "\n"
    "<!-- a comment -->\n"
    "\n"
    "End.\n"
)


def test_keep_code_keeps_fences_and_indented_code_verbatim(tmp_path: Path) -> None:
    assert text_of(tmp_path, CODE_POST, keep_code=True) == (
        "Intro.\n"
        "\n"
        "```python\n"
        "print('fence')\n"
        "```\n"
        "\n"
        "    indented = True\n"
        "\n"
        "liquid_block();\n"
        "\n"
        "hugoBlock()\n"
        "\n"
        "End."
    )


def test_keep_code_keeps_template_code_content_without_the_tag_lines(tmp_path: Path) -> None:
    source = "{% highlight ruby %}\n# comment\n{% post_link x %}\n\n\nputs 1\n{% endhighlight %}\n"
    assert text_of(tmp_path, source, keep_code=True) == "# comment\n{% post_link x %}\n\n\nputs 1"


def test_default_options_remove_code_and_html(tmp_path: Path) -> None:
    assert text_of(tmp_path, CODE_POST) == "Intro.\n\nEnd."


def test_keep_html_does_not_keep_code(tmp_path: Path) -> None:
    assert text_of(tmp_path, CODE_POST, keep_html=True) == ("Intro.\n\n<!-- a comment -->\n\nEnd.")


def test_keep_both(tmp_path: Path) -> None:
    text = text_of(tmp_path, CODE_POST, keep_code=True, keep_html=True)
    assert "print('fence')" in text
    assert "<!-- a comment -->" in text
    assert "{% codeblock" not in text


# --- headings ---------------------------------------------------------------------------

HEADINGS_POST = """\
---
title: Headings
---
# Top *level*

Intro.

```
# not a heading
```

## Setup *fast*

Setext `two`
------------

### Third [level](https://example.org) ###

{% highlight sh %}
## hidden
{% endhighlight %}

Another top
===========

Body.
"""


def test_headings_have_level_text_offsets_and_file_line(tmp_path: Path) -> None:
    document = cleaned(tmp_path, HEADINGS_POST)
    summary = [(h.level, h.text, document.text[h.start : h.end], h.line) for h in document.headings]
    assert summary == [
        (1, "Top level", "# Top *level*", 4),
        (2, "Setup fast", "## Setup *fast*", 12),
        (2, "Setext two", "Setext `two`\n------------", 14),
        (3, "Third level", "### Third [level](https://example.org) ###", 17),
        (1, "Another top", "Another top\n===========", 23),
    ]


def test_headings_inside_code_are_absent_even_with_keep_code(tmp_path: Path) -> None:
    document = cleaned(tmp_path, HEADINGS_POST, keep_code=True)
    assert "# not a heading" in document.text
    assert "## hidden" in document.text
    assert [h.text for h in document.headings] == [
        "Top level",
        "Setup fast",
        "Setext two",
        "Third level",
        "Another top",
    ]
    for heading in document.headings:
        assert document.text[heading.start : heading.end].splitlines()[0].strip("# ") in (
            "Top *level*",
            "Setup *fast*",
            "Setext `two`",
            "Third [level](https://example.org)",
            "Another top",
        )


def test_heading_path(tmp_path: Path) -> None:
    document = cleaned(tmp_path, HEADINGS_POST)
    text = document.text
    assert document.heading_path(0) == ("Top level",)
    assert document.heading_path(text.index("Intro.")) == ("Top level",)
    assert document.heading_path(text.index("### Third")) == (
        "Top level",
        "Setext two",
        "Third level",
    )
    assert document.heading_path(text.index("Body.")) == ("Another top",)


def test_heading_path_before_the_first_heading_is_empty(tmp_path: Path) -> None:
    document = cleaned(tmp_path, "Preamble.\n\n# First\n\nText.\n")
    assert document.heading_path(0) == ()
    assert document.heading_path(len(document.text)) == ("First",)


def _enclosing(headings: tuple[Heading, ...], position: int) -> tuple[str, ...]:
    """The heading path by its definition: walk the headings up to ``position``."""
    enclosing: list[Heading] = []
    for heading in headings:
        if heading.start > position:
            break
        while enclosing and enclosing[-1].level >= heading.level:
            enclosing.pop()
        enclosing.append(heading)
    return tuple(heading.text for heading in enclosing)


_HEADING = st.builds(
    Heading,
    level=st.integers(1, 6),
    text=st.text("ab", min_size=1, max_size=3),
    start=st.integers(0, 60),
    end=st.just(0),
    line=st.just(1),
)


@given(
    headings=st.lists(_HEADING, max_size=25).map(
        lambda found: tuple(sorted(found, key=lambda heading: heading.start))
    ),
    positions=st.lists(st.integers(-1, 70), max_size=20),
)
def test_heading_path_is_the_walk_up_to_the_position(
    headings: tuple[Heading, ...], positions: list[int]
) -> None:
    document = Document(Source(None, "<stdin>", "<stdin>"), "x" * 70, headings)
    for position in positions:
        assert document.heading_path(position) == _enclosing(headings, position)


@given(headings=st.lists(_HEADING, max_size=12), position=st.integers(-1, 70))
def test_heading_path_stops_at_a_heading_out_of_order(
    headings: list[Heading], position: int
) -> None:
    document = Document(Source(None, "<stdin>", "<stdin>"), "", tuple(headings))
    assert document.heading_path(position) == _enclosing(tuple(headings), position)


def test_a_document_with_its_outline_built_still_compares_copies_and_pickles(
    tmp_path: Path,
) -> None:
    document = cleaned(tmp_path, HEADINGS_POST)
    fresh = cleaned(tmp_path, HEADINGS_POST)
    path = document.heading_path(len(document.text))
    assert document == fresh and hash(document) == hash(fresh)
    assert pickle.loads(pickle.dumps(document)).heading_path(len(document.text)) == path
    shorter = replace(document, headings=document.headings[:1])
    assert shorter.heading_path(len(document.text)) == (document.headings[0].text,)


def test_headings_in_containers_are_not_document_headings(tmp_path: Path) -> None:
    document = cleaned(tmp_path, "> # Quoted heading\n\n- # Listed heading\n")
    assert document.headings == ()


# --- golden fixtures --------------------------------------------------------------------


def golden_cases() -> list[Path]:
    return sorted(GOLDEN.glob("*.md"))


def test_golden_fixtures_exist() -> None:
    cases = golden_cases()
    assert len(cases) >= 8
    for case in cases:
        assert case.with_suffix(".txt").is_file(), f"{case.name} has no expected .txt"


@pytest.mark.parametrize("case", golden_cases(), ids=lambda path: path.stem)
def test_golden(case: Path) -> None:
    """``NAME.txt`` is the cleaned text of ``NAME.md`` (default options) plus one newline."""
    expected = case.with_suffix(".txt").read_text(encoding="utf-8")
    document = clean(load_post(case))
    assert document.text == expected.removesuffix("\n")
    assert document.warnings == ()


def test_html_pre_block_is_code(tmp_path: Path) -> None:
    source = "Before.\n\n<pre><code>```js\nconst hi = 'bob'\n```</code></pre>\n\nAfter.\n"
    assert text_of(tmp_path, source) == "Before.\n\nAfter."
    kept = text_of(tmp_path, source, keep_code=True)
    assert "const hi = 'bob'" in kept and kept.endswith("After.")
