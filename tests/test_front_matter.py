"""Front matter: YAML, TOML, JSON and Hexo's forms; line numbers; errors; JSON-safe metadata."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from blog2jsonl import front_matter
from blog2jsonl.errors import FrontMatterError
from blog2jsonl.front_matter import (
    MAX_YAML_NESTING,
    FrontMatter,
    FrontMatterSyntaxError,
    json_safe,
    split_front_matter,
)
from blog2jsonl.load import load_post
from blog2jsonl.models import Post


def split(text: str) -> FrontMatter:
    """``split_front_matter``, checking the invariants every result must keep."""
    result = split_front_matter(text)
    assert text.endswith(result.body), "the body must be an exact suffix of the text"
    body_start = len(text) - len(result.body)
    assert result.body_line == text.count("\n", 0, body_start) + 1
    json.dumps(result.metadata, allow_nan=False)
    return result


def load(tmp_path: Path, text: str | bytes, name: str = "post.md") -> Post:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return load_post(path)


def split_error(text: str) -> FrontMatterSyntaxError:
    with pytest.raises(FrontMatterSyntaxError) as caught:
        split_front_matter(text)
    return caught.value


# --- YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "body_line"),
    [
        pytest.param("---\ntitle: Hi\n---\nBody\n", 4, id="dashes"),
        pytest.param("---\ntitle: Hi\n...\nBody\n", 4, id="dots-closer"),
        pytest.param("\n\n---\ntitle: Hi\n---\nBody\n", 6, id="blank-lines-before"),
        pytest.param("  \n\t\n---\ntitle: Hi\n---\nBody\n", 6, id="blank-lines-with-spaces"),
        pytest.param("---  \ntitle: Hi\n---\t\nBody\n", 4, id="trailing-spaces"),
        pytest.param("-----\ntitle: Hi\n-----\nBody\n", 4, id="longer-rules"),
    ],
)
def test_yaml_front_matter(text: str, body_line: int) -> None:
    result = split(text)
    assert result.metadata == {"title": "Hi"}
    assert (result.body, result.body_line) == ("Body\n", body_line)
    assert (result.kind, result.title) == ("yaml", "Hi")


def test_yaml_closer_is_the_first_rule_not_a_later_one() -> None:
    result = split("---\ntags: [a, b]\n---\nIntro\n\n---\n\nAfter a thematic break.\n")
    assert result.metadata == {"tags": ["a", "b"]}
    assert result.body == "Intro\n\n---\n\nAfter a thematic break.\n"


def test_empty_front_matter_is_an_empty_mapping() -> None:
    result = split("---\n---\nBody\n")
    assert (result.metadata, result.kind, result.title) == ({}, "yaml", None)
    assert (result.body, result.body_line) == ("Body\n", 3)


def test_front_matter_with_no_body() -> None:
    result = split("---\ntitle: Only\n---")
    assert (result.metadata, result.body, result.body_line) == ({"title": "Only"}, "", 3)


@pytest.mark.parametrize(
    "block",
    [
        pytest.param("- a\n- b\n", id="list"),
        pytest.param("just a sentence\n", id="scalar"),
        pytest.param("42\n", id="number"),
        pytest.param("\nSome prose that starts after a rule.\n\n", id="prose"),
    ],
)
def test_a_block_that_is_not_a_mapping_is_body(block: str) -> None:
    text = f"---\n{block}---\nMore.\n"
    result = split(text)
    assert (result.metadata, result.kind, result.body, result.body_line) == ({}, None, text, 1)
    assert result.warning is None


def test_leading_indented_code_block_stays_indented() -> None:
    result = split("---\ntitle: Code\n---\n    $ make\n    $ make install\n\nText.\n")
    assert result.body == "    $ make\n    $ make install\n\nText.\n"
    assert result.body_line == 4


def test_hexo_front_matter_without_an_opening_rule() -> None:
    text = "title: 你好，世界\ndate: 2020-01-02 03:04:05\ntags:\n- 随笔\n---\n正文从这里开始。\n"
    result = split(text)
    assert result.metadata == {
        "title": "你好，世界",
        "date": "2020-01-02T03:04:05",
        "tags": ["随笔"],
    }
    assert (result.body, result.body_line, result.kind) == ("正文从这里开始。\n", 6, "yaml")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Title\n---\n\nBody text.\n", id="setext-heading"),
        pytest.param("# Heading\nNote: this is a paragraph.\n---\nMore.\n", id="colon-after-h1"),
        pytest.param("Some prose, then a break.\n\n---\n\nMore prose.\n", id="prose-then-rule"),
        pytest.param(
            "Update: it works: really, it does.\n\n---\n\nMore.\n", id="colon-prose-not-yaml"
        ),
        pytest.param("Note: a list follows\n- one\n---\nMore.\n", id="mixed-not-a-mapping"),
    ],
)
def test_text_that_only_resembles_headerless_front_matter_is_body(text: str) -> None:
    result = split(text)
    assert (result.metadata, result.kind, result.body, result.body_line) == ({}, None, text, 1)


# --- unclosed blocks -------------------------------------------------------------------


def test_unclosed_yaml_is_body_with_a_warning_when_it_looks_like_front_matter() -> None:
    text = "---\ntitle: Never closed\n\nBody text.\n"
    result = split(text)
    assert (result.metadata, result.kind, result.body, result.body_line) == ({}, None, text, 1)
    assert result.warning is not None
    line, message = result.warning
    assert line == 1
    assert "never closed" in message


def test_unclosed_yaml_warning_names_the_opener_line_after_blank_lines() -> None:
    result = split("\n\n---\ndate: 2020-01-01\nBody.\n")
    assert result.warning is not None
    assert result.warning[0] == 3


def test_unclosed_rule_before_prose_is_body_without_a_warning() -> None:
    text = "---\n\nA post that opens with a thematic break.\n"
    result = split(text)
    assert (result.body, result.warning) == (text, None)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('+++\ntitle = "T"\n\nBody.\n', 1, id="toml"),
        pytest.param('\n+++\ntitle = "T"\nBody.\n', 2, id="toml-after-blank"),
        pytest.param(';;;\n"title": "T"\nBody.\n', 1, id="hexo-json"),
    ],
)
def test_unclosed_toml_or_json_is_an_error(text: str, line: int) -> None:
    error = split_error(text)
    assert error.line == line
    assert "never closed" in error.message


def test_unclosed_toml_through_load_post_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FrontMatterError) as caught:
        load(tmp_path, '+++\ntitle = "T"\n')
    assert str(caught.value).startswith(f"{tmp_path / 'post.md'}:1: ")


# --- TOML and JSON ---------------------------------------------------------------------


def test_toml_front_matter_dates_become_iso_strings() -> None:
    text = (
        "+++\n"
        'title = "Hugo"\n'
        "date = 2024-01-05T10:30:00+02:00\n"
        "updated = 2024-01-06T08:00:00Z\n"
        "day = 2024-01-07\n"
        "local = 2024-01-08T09:00:00\n"
        "[params]\n"
        "at = 07:32:00\n"
        "+++\n"
        "Body\n"
    )
    result = split(text)
    assert result.metadata == {
        "title": "Hugo",
        "date": "2024-01-05T10:30:00+02:00",
        "updated": "2024-01-06T08:00:00+00:00",
        "day": "2024-01-07",
        "local": "2024-01-08T09:00:00",
        "params": {"at": "07:32:00"},
    }
    assert (result.kind, result.body, result.body_line) == ("toml", "Body\n", 10)


@pytest.mark.parametrize(
    ("text", "body", "body_line"),
    [
        pytest.param('{\n  "title": "J",\n  "n": 1\n}\n\nBody\n', "\nBody\n", 5, id="multi-line"),
        pytest.param('{"title": "J", "n": 1}\nBody\n', "Body\n", 2, id="one-line"),
        pytest.param('\n{"title": "J", "n": 1}\nBody\n', "Body\n", 3, id="after-blank"),
    ],
)
def test_json_object_at_the_top(text: str, body: str, body_line: int) -> None:
    result = split(text)
    assert (result.metadata, result.kind) == ({"title": "J", "n": 1}, "json")
    assert (result.body, result.body_line) == (body, body_line)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{{< figure src=x >}}\nBody\n", id="hugo-shortcode"),
        pytest.param("{% raw %}\nBody\n", id="liquid-tag"),
        pytest.param("{Curly} prose opens this post.\n", id="prose"),
        pytest.param('{"title": "J"} and then prose on the same line\n', id="shared-line"),
    ],
)
def test_a_brace_that_is_not_a_json_object_is_body(text: str) -> None:
    result = split(text)
    assert (result.metadata, result.kind, result.body) == ({}, None, text)


def test_hexo_semicolon_json() -> None:
    result = split(';;;\n"title": "Hexo JSON",\n"tags": ["a", "b"]\n;;;\nBody\n')
    assert result.metadata == {"title": "Hexo JSON", "tags": ["a", "b"]}
    assert (result.kind, result.body, result.body_line) == ("json", "Body\n", 5)


def test_hexo_semicolon_json_may_keep_its_braces() -> None:
    result = split(';;;\n{"title": "Braced"}\n;;;\nBody\n')
    assert (result.metadata, result.body_line) == ({"title": "Braced"}, 4)


def test_hexo_headerless_json() -> None:
    result = split('"title": "x",\n"draft": false\n;;;\nBody\n')
    assert result.metadata == {"title": "x", "draft": False}
    assert (result.kind, result.body, result.body_line) == ("json", "Body\n", 4)


# --- python-frontmatter gets these wrong; our handlers do not ---------------------------

FRONTMATTER_1_3 = importlib.metadata.version("python-frontmatter").startswith("1.3.")
frontmatter_1_3_only = pytest.mark.skipif(
    not FRONTMATTER_1_3, reason="documents python-frontmatter 1.3's behaviour"
)


def test_toml_is_read_with_tomllib() -> None:
    # python-frontmatter reads TOML only through the unmaintained `toml` package.
    result = split('+++\ntitle = "T"\ntags = ["x"]\n+++\nBody\n')
    assert (result.metadata, result.body) == ({"title": "T", "tags": ["x"]}, "Body\n")


@pytest.mark.parametrize(
    ("text", "metadata", "body"),
    [
        pytest.param(';;;\n"title": "T"\n;;;\nBody\n', {"title": "T"}, "Body\n", id="semicolons"),
        pytest.param('"title": "T"\n;;;\nBody\n', {"title": "T"}, "Body\n", id="headerless"),
        pytest.param('{"title": "T"}\nBody\n', {"title": "T"}, "Body\n", id="one-line-json"),
    ],
)
def test_forms_python_frontmatter_misses(text: str, metadata: dict[str, Any], body: str) -> None:
    result = split(text)
    assert (result.metadata, result.body) == (metadata, body)
    if FRONTMATTER_1_3:
        assert frontmatter.parse(text)[0] == {}


def test_bom_prefixed_utf8_file(tmp_path: Path) -> None:
    data = "\ufeff---\ntitle: BOM\n---\nBody\n".encode()
    post = load(tmp_path, data)
    assert (post.metadata, post.body, post.body_line) == ({"title": "BOM"}, "Body\n", 4)
    if FRONTMATTER_1_3:
        assert frontmatter.load(str(tmp_path / "post.md")).metadata == {}


def test_unclosed_rule_keeps_the_body_intact() -> None:
    text = "---\ntitle: Never closed\n\n    indented code\n"
    result = split(text)
    assert result.body == text
    if FRONTMATTER_1_3:
        assert frontmatter.parse(text)[1] != text  # it strips the text


@frontmatter_1_3_only
def test_python_frontmatter_strips_a_leading_indented_code_block() -> None:
    text = "---\ntitle: T\n---\n    code\n"
    assert frontmatter.parse(text)[1] == "code"
    assert split(text).body == "    code\n"


# --- malformed front matter -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param("---\ntitle: T\ntags: [a, b\n---\nBody\n", 3, "bad YAML", id="yaml-bracket"),
        pytest.param(
            "---\ntitle: T\ntags: [a,\n  b,\n  c\n---\nBody\n", 3, "bad YAML", id="yaml-bracket-ml"
        ),
        pytest.param('---\ntitle: "T\n---\nBody\n', 2, "bad YAML", id="yaml-quote"),
        pytest.param("---\ntitle: T\n\tdraft: true\n---\nBody\n", 3, "tab", id="yaml-tab"),
        pytest.param("---\na: 1\n b: 2\n---\nBody\n", 3, "bad YAML", id="yaml-indent"),
        pytest.param(
            "---\ntitle: T\n\ndate: 2021-02-30\n---\nBody\n", 4, "2021-02-30", id="impossible-date"
        ),
        pytest.param(
            "---\ntitle: T\nhistory:\n  - when: 2021-13-01\n---\n",
            4,
            "2021-13-01",
            id="nested-date",
        ),
        pytest.param("---\ntitle: T\ndraft: !!bool maybe\n---\n", 3, "maybe", id="tagged-bool"),
        pytest.param("---\nx: 1\nwhen: !!timestamp soon\n---\n", 3, "soon", id="tagged-date"),
        pytest.param("---\nx: 1\nbell: a\x07b\n---\n", 3, "#x0007", id="control-char"),
        pytest.param("---\nsummary: a\u2028b\nc: [\n---\n", 3, "bad YAML", id="after-u2028"),
        pytest.param("---\nsummary: a\x85b\nc: d: e\n---\n", 3, "bad YAML", id="after-nel"),
        pytest.param('+++\ntitle = "T"\nbad =\n+++\nBody\n', 3, "bad TOML", id="toml"),
        pytest.param('\n+++\ntitle = "T"\n[a]\nx = 1\n[a]\n+++\n', 6, "bad TOML", id="toml-dup"),
        pytest.param('{\n  "title": "T",\n  "x": ,\n}\nBody\n', 3, "bad JSON", id="json"),
        pytest.param('\n\n{\n  "x": ,\n}\nBody\n', 4, "bad JSON", id="json-after-blanks"),
        pytest.param(';;;\n"a": 1,\n"b": x\n;;;\nBody\n', 3, "bad JSON", id="semicolons"),
        pytest.param('\n;;;\n"a": 1,\n"b": ,\n;;;\nBody\n', 4, "bad JSON", id="semicolons-blank"),
    ],
)
def test_malformed_front_matter_names_the_file_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    with pytest.raises(FrontMatterError) as caught:
        load(tmp_path, text)
    error = caught.value
    assert (error.path, error.line) == (str(tmp_path / "post.md"), line)
    assert fragment in error.message
    assert str(error).startswith(f"{tmp_path / 'post.md'}:{line}: ")


def test_impossible_date_message_names_the_date() -> None:
    error = split_error("---\ndate: 2021-02-30\n---\n")
    assert error.line == 2
    assert error.message.startswith("impossible date '2021-02-30'")


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
        "!!python/name:os.system",
        "!python/object/apply:os.system",
    ],
)
def test_python_tags_are_refused_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    marker = tmp_path / "ran"
    text = f"---\ntitle: T\npwn: {tag} ['touch {marker}']\n---\nBody\n"
    with pytest.raises(FrontMatterError) as caught:
        load(tmp_path, text)
    assert caught.value.line == 3
    assert calls == []
    assert not marker.exists()


BILLION_LAUGHS = (
    "---\n"
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "---\nBody\n"
)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(FrontMatterError) as caught:
        load(tmp_path, BILLION_LAUGHS)
    assert time.perf_counter() - started < 5
    assert caught.value.line == 2
    assert "too many values" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("---\nloop: &a [*a]\n---\nBody\n", id="self-referencing-list"),
        pytest.param("---\nloop: &a {me: *a}\n---\nBody\n", id="self-referencing-map"),
        pytest.param("---\ndeep: " + "[" * 5000 + "]" * 5000 + "\n---\n", id="deep-yaml"),
        pytest.param('{"deep": ' + "[" * 5000 + "]" * 5000 + "}\n", id="deep-json"),
        pytest.param("+++\ndeep = " + "[" * 5000 + "]" * 5000 + "\n+++\n", id="deep-toml"),
    ],
)
def test_endless_or_very_deep_nesting_is_a_front_matter_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        load(tmp_path, text)
    assert "nested too deeply" in caught.value.message


def test_yaml_nesting_limit_names_the_line_of_the_collection_too_deep() -> None:
    nested: Any = []
    for _ in range(29):
        nested = [nested]
    assert split("---\nd: " + "[" * 30 + "]" * 30 + "\n---\n").metadata == {"d": nested}
    error = split_error("---\nx: 1\ny: 2\nd:\n  " + "- " * (MAX_YAML_NESTING + 1) + "x\n---\n")
    assert (error.line, error.message) == (
        5,
        "front matter is nested too deeply (or contains itself)",
    )


def test_huge_yaml_nesting_is_refused_without_crashing(tmp_path: Path) -> None:
    # libyaml's composer recurses in C: unchecked, this segfaults the interpreter, so
    # the load runs in a child process to turn a crash into a plain failure.
    path = tmp_path / "deep.md"
    path.write_text("---\nd: " + "[" * 200_000 + "]" * 200_000 + "\n---\nBody\n")
    script = (
        "import sys\n"
        "from blog2jsonl.errors import FrontMatterError\n"
        "from blog2jsonl.load import load_post\n"
        "try:\n"
        "    load_post(sys.argv[1])\n"
        "except FrontMatterError as error:\n"
        "    print(error)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith(f"{path}:2: front matter is nested too deeply")


# Text a YAML scanner turns into tokens of every kind, nesting included.
_YAML_PIECES = [
    *"[]{}-?:,'\"&*!#|>%@` \t\n\u2028\x85a",
    *("- ", "? ", ": ", "\n  ", "\n- ", "k: ", "&a ", "*a", "!!str ", "[a: ", "{? ", "--- "),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=80).map("".join))
def test_every_yaml_collection_opens_at_a_character_of_its_own(text: str) -> None:
    # What lets front_matter skip its nesting pass over short front matter: no more
    # collections start than the text has of the five characters that can start one.
    loaders: list[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = [yaml.SafeLoader]
    if yaml.__with_libyaml__:
        loaders.append(yaml.CSafeLoader)
    for loader_class in loaders:
        loader = loader_class(text)
        starts = 0
        try:
            while loader.check_event():
                starts += isinstance(loader.get_event(), yaml.CollectionStartEvent)
        except yaml.YAMLError:
            pass  # the collections opened before the error count as well
        finally:
            loader.dispose()
        assert starts <= sum(text.count(char) for char in "[{-?:")


def test_nesting_pass_is_skipped_for_front_matter_that_cannot_nest_too_deeply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("the nesting pass ran")

    monkeypatch.setattr(front_matter, "_check_nesting", refuse)
    text = "---\ntitle: Hi\ndate: 2024-01-02 03:04:05\ntags: [a, b]\nmeta: {x: [1, {y: 2}]}\n---\n"
    assert split(text).metadata["meta"] == {"x": [1, {"y": 2}]}
    with pytest.raises(AssertionError, match="nesting pass"):
        split_front_matter("---\nd: " + "[" * MAX_YAML_NESTING + "]" * MAX_YAML_NESTING + "\n---\n")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("a: *nope\nb: 1\n", 2, "found undefined alias", id="alias"),
        pytest.param("a: *nope\nb: [\n", 3, "did not find expected node content", id="alias-bad"),
        pytest.param("a: 1\n--- b\n", 3, "but found another document", id="two-docs"),
        pytest.param(
            "a: 1\n--- b\n--- [\n", 4, "did not find expected node content", id="docs-bad"
        ),
    ],
)
def test_a_yaml_syntax_error_anywhere_wins_over_a_composing_error(
    text: str, line: int, message: str
) -> None:
    # The whole block is parsed before it is composed, so an undefined alias or a second
    # document is reported only when the YAML has no syntax error further on.
    error = split_error(f"---\n{text}---\n")
    assert (error.line, error.message) == (line, f"bad YAML: {message}")


def test_aliases_that_fit_the_budget_are_expanded() -> None:
    result = split("---\nbase: &b {lang: en}\nen: *b\nalso: *b\n---\n")
    assert result.metadata == {"base": {"lang": "en"}, "en": {"lang": "en"}, "also": {"lang": "en"}}


# --- JSON-safe metadata -------------------------------------------------------------------


def test_yaml_metadata_is_json_safe() -> None:
    text = (
        "---\n"
        "date: 2020-01-02\n"
        "updated: 2020-01-02 03:04:05+01:00\n"
        "naive: 2020-01-02T03:04:05\n"
        "history:\n"
        "  - {at: 2019-12-31, note: [2018-01-01]}\n"
        "2021: year key\n"
        "2020-05-06: date key\n"
        "true: bool key\n"
        "~: null key\n"
        "1.5: float key\n"
        "ratio: .nan\n"
        "big: .inf\n"
        "small: -.inf\n"
        "blob: !!binary aGk=\n"
        "unique: !!set {a, b}\n"
        "---\n"
    )
    metadata = split(text).metadata
    assert metadata == {
        "date": "2020-01-02",
        "updated": "2020-01-02T03:04:05+01:00",
        "naive": "2020-01-02T03:04:05",
        "history": [{"at": "2019-12-31", "note": ["2018-01-01"]}],
        "2021": "year key",
        "2020-05-06": "date key",
        "true": "bool key",
        "null": "null key",
        "1.5": "float key",
        "ratio": "nan",
        "big": "inf",
        "small": "-inf",
        "blob": "aGk=",
        "unique": ["a", "b"],
    }
    assert all(isinstance(key, str) for key in metadata)
    json.dumps(metadata, allow_nan=False)


def test_json_nan_becomes_a_string() -> None:
    metadata = split('{"score": NaN, "top": Infinity}\n').metadata
    assert metadata == {"score": "nan", "top": "inf"}


def test_json_safe_converts_nested_values() -> None:
    import datetime as dt

    value = {
        1: (dt.date(2020, 1, 2), {dt.datetime(2020, 1, 2, 3, 4, 5): math.nan}),
        None: {frozenset({2, 1})},
    }
    converted = json_safe(value)
    assert converted == {"1": ["2020-01-02", {"2020-01-02T03:04:05": "nan"}], "null": [[1, 2]]}
    json.dumps(converted, allow_nan=False)


def test_front_matter_kind_and_title_through_load_post(tmp_path: Path) -> None:
    post = load(tmp_path, "+++\ntitle = 1.10\n+++\nBody\n")
    assert (post.front_matter, post.title, post.metadata) == ("toml", "1.10", {"title": 1.1})
    assert (post.body, post.body_line) == ("Body\n", 4)
