"""The template-tag stripper: the quick scan finds the cuts the full one does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blog2jsonl.templates import TagStripper

#: Pieces of prose around which cuts begin, end or must not: tags, raw blocks, code
#: spans, comments, scripts and styles (in any case, closed or not), lone braces and
#: angle brackets, blank lines.
PIECES = (
    "text",
    " ",
    "\t",
    "\n",
    "\n\n",
    "\n \n",
    "{",
    "{{",
    "<",
    "%}",
    ">}}",
    "{% tag %}",
    "{%- tag -%}",
    "{{< shortcode >}}",
    "{{% shortcode %}}",
    "{{<",
    "{{%",
    "{%",
    "{{ var }}",
    "{% raw %}",
    "{% endraw %}",
    "`",
    "``",
    "`{% in code %}`",
    "<!--",
    "-->",
    "<!-- c -->",
    "<script>",
    "</script>",
    "<SCRIPT>",
    "<Style>",
    "</style>",
    "<div>",
    "<scrip",
    "中文",
)


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.booleans(),
    st.booleans(),
)
def test_the_quick_scan_finds_the_same_cuts(text: str, keep_html: bool, in_raw: bool) -> None:
    quick = TagStripper(keep_html=keep_html, in_raw=in_raw)
    full = TagStripper(keep_html=keep_html, in_raw=in_raw)
    assert quick.spans_near_tags(text) == full.spans(text)
    assert quick.in_raw == full.in_raw


def test_tags_comments_and_scripts_are_cut() -> None:
    text = "a {% t %} b <!-- c --> d <script>x</script> e"
    cut = [text[start:end] for start, end in TagStripper().spans_near_tags(text)]
    assert cut == ["{% t %} ", "<!-- c --> ", "<script>x</script> "]
    kept = [text[start:end] for start, end in TagStripper(keep_html=True).spans_near_tags(text)]
    assert kept == ["{% t %} "]
