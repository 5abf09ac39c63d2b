"""Title: the front matter's title as written, else the first H1, else the file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from blog2jsonl.clean import clean
from blog2jsonl.load import load_post
from blog2jsonl.models import Post, Source
from blog2jsonl.title import resolve_title, title_from_name


def title_of(tmp_path: Path, text: str, name: str = "post.md") -> str:
    """Write a post under ``name``, load and clean it, and resolve its title."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    post = load_post(Source(path, str(path), name))
    return resolve_title(post, clean(post))


# --- from the front matter ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        pytest.param("---\ntitle: 2024\n---\n", "2024", id="int"),
        pytest.param("---\ntitle: 1.10\n---\n", "1.10", id="float-keeps-zero"),
        pytest.param("---\ntitle: yes\n---\n", "yes", id="yaml-bool"),
        pytest.param("---\ntitle: No\n---\n", "No", id="yaml-bool-capital"),
        pytest.param("---\ntitle: 2024-01-05\n---\n", "2024-01-05", id="date"),
        pytest.param("---\ntitle: 0x1F\n---\n", "0x1F", id="hex-int"),
        pytest.param("---\ntitle: .inf\n---\n", ".inf", id="yaml-inf"),
        pytest.param("---\ntitle: '1.10'\n---\n", "1.10", id="single-quoted"),
        pytest.param('---\ntitle: "Colons: and #hashes"\n---\n', "Colons: and #hashes", id="dq"),
        pytest.param(
            "---\ntitle: Plain words, mixed Case\n---\n", "Plain words, mixed Case", id="plain"
        ),
        pytest.param("---\ntitle: 你好，世界\n---\n", "你好，世界", id="chinese"),
        pytest.param('---\ntitle: "  Padded  "\n---\n', "Padded", id="trimmed"),
        pytest.param("---\ntitle: >\n  Folded\n  title\n---\n", "Folded title", id="folded"),
        pytest.param("+++\ntitle = 1.10\n+++\n", "1.10", id="toml-float"),
        pytest.param("+++\ntitle = 1.10  # version\n+++\n", "1.10", id="toml-comment"),
        pytest.param("+++\ntitle = true\n+++\n", "true", id="toml-bool"),
        pytest.param("+++\ntitle = 2024-01-05\n+++\n", "2024-01-05", id="toml-date"),
        pytest.param("+++\ntitle = 'Literal'\n+++\n", "Literal", id="toml-string"),
        pytest.param('{"title": 1.10}\n', "1.10", id="json-float"),
        pytest.param('{"draft": false, "title": true}\n', "true", id="json-bool"),
        pytest.param(';;;\n"n": 1, "title": 2.50\n;;;\n', "2.50", id="hexo-json-float"),
        pytest.param("title: 3.0\n---\n", "3.0", id="headerless"),
    ],
)
def test_front_matter_title_as_written(tmp_path: Path, front_matter: str, expected: str) -> None:
    assert title_of(tmp_path, front_matter + "# A heading\n\nBody.\n") == expected


def test_front_matter_title_wins_over_the_h1(tmp_path: Path) -> None:
    assert title_of(tmp_path, "---\ntitle: From metadata\n---\n# From heading\n") == "From metadata"


def test_post_title_field_keeps_the_raw_text(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: 1.10\n---\n", encoding="utf-8")
    post = load_post(path)
    assert post.title == "1.10"
    assert post.metadata == {"title": 1.1}


def test_nested_title_keys_are_not_the_title(tmp_path: Path) -> None:
    text = "+++\n[params]\ntitle = 5\n+++\n# Heading\n"
    assert title_of(tmp_path, text) == "Heading"


# --- falling back to the first H1 ---------------------------------------------------------


@pytest.mark.parametrize(
    "front_matter",
    [
        pytest.param("---\ntitle:\n---\n", id="null"),
        pytest.param("---\ntitle: ~\n---\n", id="tilde"),
        pytest.param("---\ntitle: ''\n---\n", id="empty"),
        pytest.param('---\ntitle: "   "\n---\n', id="blank"),
        pytest.param("---\ntitle: [a, b]\n---\n", id="list"),
        pytest.param('+++\ntitle = ""\n+++\n', id="toml-empty"),
        pytest.param('{"title": null}\n', id="json-null"),
        pytest.param("---\nsubtitle: Not this\n---\n", id="absent"),
        pytest.param("", id="no-front-matter"),
    ],
)
def test_empty_or_missing_title_falls_back_to_the_h1(tmp_path: Path, front_matter: str) -> None:
    assert title_of(tmp_path, front_matter + "Intro.\n\n# Hello *World*\n") == "Hello World"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("# Plain\n", "Plain", id="atx"),
        pytest.param("#   Spaced out   #\n", "Spaced out", id="atx-closed"),
        pytest.param("Setext\n======\n", "Setext", id="setext"),
        pytest.param(
            "# `code` and [a link](https://x.test) **bold**\n", "code and a link bold", id="inline"
        ),
        pytest.param("```md\n# Not a heading\n```\n\n# Real\n", "Real", id="after-fence"),
        pytest.param("~~~\n# Not a heading\n~~~\n\n# Real\n", "Real", id="after-tilde-fence"),
        pytest.param("    # indented code\n\n# Real\n", "Real", id="after-indented-code"),
        pytest.param("## Section\n\n# Main\n", "Main", id="h2-first"),
        pytest.param("#\n\n# Second\n", "Second", id="empty-h1-skipped"),
        pytest.param("# First\n\n# Second\n", "First", id="first-of-two"),
    ],
)
def test_first_h1(tmp_path: Path, body: str, expected: str) -> None:
    assert title_of(tmp_path, body, name="fallback-name.md") == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Just prose.\n", id="prose"),
        pytest.param("## Only an H2\n", id="h2-only"),
        pytest.param("```\n# In a fence\n```\n", id="h1-in-fence"),
        pytest.param("", id="empty"),
    ],
)
def test_no_h1_falls_back_to_the_file_name(tmp_path: Path, body: str) -> None:
    assert title_of(tmp_path, body, name="2013-08-01-my-great-post.md") == "my great post"


def test_bundle_index_is_named_after_its_folder(tmp_path: Path) -> None:
    assert title_of(tmp_path, "No heading.\n", name="post/my-trip/index.md") == "my-trip"


# --- from the file name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2013-08-01-my-great-post.md", "my great post"),
        ("2017-2-5-i-dont-like-zeroes.md", "i dont like zeroes"),
        ("_posts/2020-12-31-new-year.markdown", "new year"),
        ("notes.markdown", "notes"),
        ("Notes.MD", "Notes"),
        ("my-trip.md", "my-trip"),
        ("v1.2-release.md", "v1.2-release"),
        ("README", "README"),
        ("post/my-trip/index.md", "my-trip"),
        ("content/posts/hello/_index.md", "hello"),
        ("docs/readme.md", "docs"),
        ("2019-03-04-trip/index.md", "trip"),
        ("index.md", "index"),
        ("2013-08-01.md", "2013-08-01"),
        ("-", "stdin"),
        (".md", "untitled"),
        ("", "untitled"),
    ],
)
def test_title_from_name(name: str, expected: str) -> None:
    assert title_from_name(name) == expected


def test_title_is_never_empty(tmp_path: Path) -> None:
    assert title_of(tmp_path, '---\ntitle: "  "\n---\n\n', name=".md") == "untitled"


def test_stdin_post_without_a_title() -> None:
    post = Post(Source(None, "<stdin>", "-"), body="text\n", body_line=1, metadata={})
    assert resolve_title(post, clean(post)) == "stdin"
