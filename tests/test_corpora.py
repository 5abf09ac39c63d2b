"""The whole pipeline on real blogs: four corpora written by people, read in place.

The corpora live in ``../shared/corpora`` (see its README for the traps each holds) and
are found through the ``corpora`` fixture in ``conftest.py``: without them these tests
skip, or fail when ``BLOG2JSONL_REQUIRE_CORPORA`` is set.

Part one runs every built-in chunker over every corpus and checks what must hold for any
post; part two checks the named traps one by one; part three checks that a run is
reproducible byte for byte.
"""

from __future__ import annotations

import codecs
import functools
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl.clean import clean, markdown_parser
from blog2jsonl.discover import DEFAULT_EXTENSIONS
from blog2jsonl.errors import Diagnostic, FrontMatterError, PostError
from blog2jsonl.format import format_record
from blog2jsonl.load import load_post
from blog2jsonl.pipeline import Options, PostResult, convert, iter_results
from blog2jsonl.templates import TEMPLATE_CODE
from blog2jsonl.tokenizer import get_encoding
from blog2jsonl.write import dumps_record

CORPORA = ("hexo-site", "jekyll", "jessfraz-blog", "nodejs-blog")

MAX_CHARS = 2000  # the chars chunker's default
MAX_TOKENS = 512  # the tokens chunker's and the headings chunker's default budget
ENCODING = "o200k_base"

#: Chunker name -> the options the run gives it. ``chars`` and ``headings`` run on their
#: defaults, so a change of default shows up here as a budget failure.
CHUNKERS: dict[str, dict[str, Any]] = {
    "chars": {},
    "tokens": {"max_tokens": MAX_TOKENS, "encoding": ENCODING},
    "headings": {},
}

#: nodejs-blog is 12.8 MB: the token-counting chunkers read every SUBSET_STEP-th post
#: (in sorted order) plus the largest one; ``chars`` reads the whole corpus.
SUBSET_STEP = 10
NODEJS_LARGEST = "uncategorized/10-lts-to-12-lts.md"

#: The posts of each corpus that must fail to convert, relative to the corpus.
KNOWN_FAILURES: dict[str, frozenset[str]] = {
    "jekyll": frozenset({"test/source/_broken/bad_post.md"}),
}

#: The posts of each corpus that have front matter and no body: skipped, not failed.
KNOWN_EMPTY: dict[str, frozenset[str]] = {
    "hexo-site": frozenset({"plugins/index.md", "themes/index.md"}),
    "jekyll": frozenset(
        {
            "test/source/_methods/trailing-dots...md",
            "test/source/gathering/_staff/admins/backend/jack.md",
            "test/source/gathering/_staff/admins/frontend/john.md",
            "test/source/trailing-dots...md",
        }
    ),
    "nodejs-blog": frozenset(
        {"index.md"}
        | {
            f"{folder}/index.md"
            for folder in (
                "advisory-board",
                "announcements",
                "community",
                "feature",
                "module",
                "npm",
                "release",
                "uncategorized",
                "video",
                "vulnerability",
                "weekly-updates",
            )
        }
    ),
}

#: Code lines shorter than this are too common ("}", "return x") to prove a leak.
DISTINCTIVE = 25

# A fence's opening or closing line: ``` or ~~~ (or longer) and an optional info string.
FENCE_LINE = re.compile(r"[ \t]*(?:`{3,}[^`]*|~{3,}.*)")

# A zero-width joiner between two visible characters: the glue of an emoji sequence.
JOINED = re.compile(r"(?<=\S)\u200d(?=\S)")


# --- part one: every corpus, every chunker --------------------------------------------


@dataclass(frozen=True)
class Run:
    """One conversion of one corpus with one chunker, and what it should have read."""

    corpus: str
    chunker: str
    root: Path
    expected: tuple[Path, ...]  # the post files the run must account for
    post_dirs: tuple[Path, ...]  # folders named like posts, which must be skipped
    results: tuple[PostResult, ...]
    diagnostics: tuple[Diagnostic, ...]

    def converted(self) -> Iterable[PostResult]:
        return (result for result in self.results if result.status == "converted")


def walk_posts(root: Path) -> tuple[list[Path], list[Path]]:
    """The regular post files under ``root`` and the folders named like posts.

    Hidden entries are left out, as discovery documents; symlinks are not counted as
    regular files (the corpora hold none).
    """
    files: list[Path] = []
    post_dirs: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        post_dirs.extend(Path(folder, name) for name in dirs if _is_post_name(name))
        for name in sorted(names):
            path = Path(folder, name)
            post = _is_post_name(name) and not name.startswith(".")
            if post and path.is_file() and not path.is_symlink():
                files.append(path)
    return sorted(files), sorted(post_dirs)


def _is_post_name(name: str) -> bool:
    return name.lower().endswith(DEFAULT_EXTENSIONS)


def _subset(root: Path, files: list[Path]) -> list[Path]:
    largest = root / NODEJS_LARGEST
    assert largest in files, f"{largest} is missing from the corpus"
    return sorted({*files[::SUBSET_STEP], largest})


RUNS = [
    pytest.param((corpus, chunker), id=f"{corpus}-{chunker}")
    for corpus in CORPORA
    for chunker in CHUNKERS
]


@pytest.fixture(scope="module", params=RUNS)
def run(request: pytest.FixtureRequest, corpora: Path) -> Run:
    corpus, chunker = request.param
    root = corpora / corpus
    files, post_dirs = walk_posts(root)
    inputs: list[Path] = [root]
    if corpus == "nodejs-blog" and chunker != "chars":
        files, post_dirs = _subset(root, files), []
        inputs = files
    # Dedupe off: these tests follow every chunk of every post (tests/test_dedupe.py has it on).
    options = Options(chunker=chunker, chunker_options=CHUNKERS[chunker], dedupe=False)
    diagnostics: list[Diagnostic] = []
    # Any exception escaping the run errors every test of this corpus and chunker.
    results = tuple(iter_results(inputs, options, report=diagnostics.append))
    return Run(corpus, chunker, root, tuple(files), tuple(post_dirs), results, tuple(diagnostics))


def test_every_post_is_accounted_for(run: Run) -> None:
    read = [result for result in run.results if result.read]
    passed_over = [result for result in run.results if not result.read]
    assert all(result.source is not None and result.source.path for result in read)
    assert sorted(result.source.path for result in read if result.source) == list(run.expected)
    counts = {status: 0 for status in ("converted", "skipped", "failed")}
    for result in read:
        counts[result.status] += 1
    assert sum(counts.values()) == len(run.expected), counts

    # Folders named like posts are passed over, with a note, and never fail.
    assert sorted(Path(result.display) for result in passed_over) == list(run.post_dirs)
    notes = {(d.path, d.severity) for d in run.diagnostics}
    for result in passed_over:
        assert result.status == "skipped" and result.source is None, result
        assert result.reason == "not a file", result
        assert (result.display, "note") in notes, result.display


def test_records_match_chunks(run: Run) -> None:
    for result in run.converted():
        assert result.records, f"{result.display}: converted without a record"
        assert len(result.records) == len(result.chunks), result.display
        assert [chunk.part for chunk in result.chunks] == list(range(1, len(result.chunks) + 1))
        for record, chunk in zip(result.records, result.chunks, strict=True):
            assert record.completion == chunk.text, result.display
            assert chunk.text.strip(), f"{result.display}: blank part {chunk.part}"


def test_failures_are_located_and_reported(run: Run) -> None:
    reported = set(run.diagnostics)
    for result in run.results:
        if result.status != "failed":
            continue
        error = result.error
        assert isinstance(error, PostError), result
        assert result.source is not None and result.source.path is not None
        assert error.line >= 1, error
        assert str(error).startswith(f"{result.source.path}:{error.line}: "), str(error)
        assert Diagnostic(result.display, error.line, error.message, "error") in reported


def _names(run: Run, status: str) -> set[str]:
    return {
        result.source.path.relative_to(run.root).as_posix()
        for result in run.results
        if result.status == status and result.read and result.source and result.source.path
    }


def _known(run: Run, table: Mapping[str, frozenset[str]]) -> set[str]:
    return {name for name in table.get(run.corpus, ()) if run.root / name in run.expected}


def test_only_known_bad_posts_fail(run: Run) -> None:
    messages = [str(result.error) for result in run.results if result.error]
    assert _names(run, "failed") == _known(run, KNOWN_FAILURES), messages


def test_only_posts_without_body_are_skipped(run: Run) -> None:
    assert _names(run, "skipped") == _known(run, KNOWN_EMPTY)
    for result in run.results:
        if result.status == "skipped" and result.read:
            assert result.reason == "no body", (result.display, result.reason)


def test_no_replacement_characters(run: Run) -> None:
    invented = [
        result.display
        for result in run.converted()
        if any("\ufffd" in record.completion for record in result.records)
        and not _source_has_fffd(result)
    ]
    assert not invented, f"U+FFFD in records of posts that have none: {invented}"


def _source_has_fffd(result: PostResult) -> bool:
    assert result.source is not None and result.source.path is not None
    data = result.source.path.read_bytes()
    encoding = "utf-8-sig"
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            encoding = name
            break
    try:
        return "\ufffd" in data.decode(encoding)
    except UnicodeDecodeError:
        return False  # undecodable: any U+FFFD in a record was made up


def test_chunks_within_budget(run: Run) -> None:
    over: list[str] = []
    encoding = get_encoding(ENCODING)
    for result in run.converted():
        for chunk in result.chunks:
            where = f"{result.display} part {chunk.part}"
            if run.chunker == "chars":
                if len(chunk.text) > MAX_CHARS:
                    over.append(f"{where}: {len(chunk.text)} chars")
                continue
            counted = len(encoding.encode_ordinary(chunk.text))
            if chunk.tokens is None or chunk.tokens != counted or counted > MAX_TOKENS:
                over.append(f"{where}: says {chunk.tokens} tokens, is {counted}")
    assert not over, over[:20]


@functools.cache
def code_lines(path: Path) -> tuple[str, ...]:
    """The distinctive lines of the post's code blocks that appear nowhere else in it.

    Code is what the block parser reads as a fence, an indented code block or a
    template-tag code block (``{% codeblock %}``...), their delimiters left out.
    """
    body = load_post(path).body
    lines = body.split("\n")
    in_code = [False] * len(lines)
    code: list[str] = []
    for token in markdown_parser().parse(body):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            code.extend(token.content.split("\n"))
        elif token.type == TEMPLATE_CODE:
            code.extend(lines[start + 1 : end - 1 if token.meta["closed"] else end])
        else:
            continue
        in_code[start:end] = [True] * (min(end, len(lines)) - start)
    prose = "\n".join(line for line, is_code in zip(lines, in_code, strict=True) if not is_code)
    distinctive = {line.strip() for line in code if len(line.strip()) >= DISTINCTIVE}
    return tuple(sorted(line for line in distinctive if line not in prose))


def test_no_code_in_records(run: Run) -> None:
    leaks: list[str] = []
    for result in run.converted():
        assert result.source is not None and result.source.path is not None
        text = "\n".join(record.completion for record in result.records)
        leaks.extend(
            f"{result.display}: {line!r}" for line in code_lines(result.source.path) if line in text
        )
    assert not leaks, f"{len(leaks)} code lines in records: {leaks[:20]}"


def test_no_fence_markers_in_records(run: Run) -> None:
    fences = [
        f"{result.display} part {number}: {line!r}"
        for result in run.converted()
        for number, record in enumerate(result.records, 1)
        for line in record.completion.split("\n")
        if FENCE_LINE.fullmatch(line)
    ]
    assert not fences, f"{len(fences)} fence lines in records: {fences[:20]}"


# --- part two: the traps, one by one ---------------------------------------------------


def convert_one(path: Path, **options: Any) -> tuple[PostResult, list[Diagnostic]]:
    """Run one file through the pipeline (without dedupe, which may drop a part that
    repeats an earlier one); its result and everything reported."""
    diagnostics: list[Diagnostic] = []
    options.setdefault("dedupe", False)
    results = list(iter_results([path], Options(**options), report=diagnostics.append))
    assert len(results) == 1, results
    return results[0], diagnostics


def completion(result: PostResult) -> str:
    assert result.status == "converted", (result.status, result.reason, result.error)
    return "\n".join(record.completion for record in result.records)


def no_bom(value: Any) -> bool:
    if isinstance(value, str):
        return "\ufeff" not in value
    if isinstance(value, Mapping):
        return all(no_bom(k) and no_bom(v) for k, v in value.items())
    if isinstance(value, list):
        return all(no_bom(v) for v in value)
    return True


@pytest.fixture(scope="module")
def jekyll_source(corpora: Path) -> dict[str, PostResult]:
    """Jekyll's test site converted once, with metadata and without dedupe (its test
    posts share texts), by name relative to it."""
    root = corpora / "jekyll" / "test" / "source"
    options = Options(metadata=True, dedupe=False)
    results = iter_results([root], options, report=lambda diagnostic: None)
    return {
        result.source.name
        if result.source
        else Path(result.display).relative_to(root).as_posix(): result
        for result in results
    }


@pytest.mark.parametrize(
    ("name", "title", "first_line", "raw_check"),
    [
        (
            "Unicode16LECRLFandBOM.md",
            "Unicode16CRLFandBOM",
            "This file was created with CR/LFs, and encoded as Unicode in Notepad, "
            "which is Unicode 16, Little Endian and adds a BOM.",
            lambda data: data.startswith(codecs.BOM_UTF16_LE) and b"\r\x00\n\x00" in data,
        ),
        (
            "UTF8CRLFandBOM.md",
            "UTF8CRLFandBOM",
            "This file was created with CR/LFs, and encoded as UTF8 with a BOM",
            # Despite its name, the copy in the corpus has LF line endings.
            lambda data: data.startswith(codecs.BOM_UTF8),
        ),
    ],
)
def test_jekyll_encodings_decode(
    corpora: Path, name: str, title: str, first_line: str, raw_check: Any
) -> None:
    path = corpora / "jekyll" / "test" / "source" / "_encodings" / name
    assert raw_check(path.read_bytes()), "the fixture is not what this test expects"
    post = load_post(path)
    assert post.front_matter == "yaml"
    assert post.title == title
    assert post.metadata["layout"] == "post"
    assert post.metadata["categories"] == "bom"
    assert no_bom(post.metadata) and "\ufeff" not in post.body
    assert "\r" not in post.body
    assert post.body.startswith(first_line + "\n\nYou\u2019ll find this post in your `_posts`")

    result, _ = convert_one(path)
    assert result.records[0].prompt == f"{title} Part 1"
    text = completion(result)
    assert text.startswith(first_line)
    assert "\r" not in text and "\ufeff" not in text and "\ufffd" not in text


def test_jekyll_broken_yaml_is_a_located_error(corpora: Path) -> None:
    path = corpora / "jekyll" / "test" / "source" / "_broken" / "bad_post.md"
    with pytest.raises(FrontMatterError) as raised:
        load_post(path)
    # Line 2 holds the unclosed "[", line 3 the "---" where YAML finds out.
    assert raised.value.line in (2, 3)

    result, diagnostics = convert_one(path)
    assert result.status == "failed" and not result.records
    error = result.error
    assert isinstance(error, FrontMatterError)
    assert error.line in (2, 3) and "YAML" in error.message
    assert str(error).startswith(f"{path}:{error.line}: ")
    assert diagnostics == [Diagnostic(str(path), error.line, error.message, "error")]


def test_jekyll_unclosed_dashes_are_body_text(corpora: Path) -> None:
    path = corpora / "jekyll" / "test" / "source" / "_includes" / "sig.markdown"
    post = load_post(path)
    assert post.front_matter is None and post.metadata == {}
    assert post.body_line == 1 and post.body == path.read_text(encoding="utf-8")

    result, diagnostics = convert_one(path)
    text = completion(result)
    assert "Tom Preston-Werner" in text and "github.com/mojombo" in text
    assert all(d.severity != "error" for d in diagnostics)


def test_jekyll_folder_named_like_a_post_is_skipped(jekyll_source: dict[str, PostResult]) -> None:
    folder = jekyll_source["_posts/2013-03-19-not-a-post.markdown"]
    assert folder.status == "skipped" and not folder.read
    assert folder.reason == "not a file" and folder.error is None
    # Posts inside a folder are read whatever the folder is called.
    inside = jekyll_source["_posts/2013-03-19-not-a-post/dubious.markdown"]
    assert inside.status == "converted"


@pytest.mark.parametrize(
    ("name", "title", "text"),
    [
        ("+/%# +.md", "Page name with non-alphabetic character", "Line 1\n"),
        ("_posts/2014-03-22-escape-+ %20[].markdown", "Plus space percent", "Signs are nice"),
        ("_methods/escape-+ #%20[].md", "Jekyll.escape", "Signs are nice"),
        # YAML reads " #1" as a comment, as Jekyll does.
        ("_posts/2009-03-12-hash-#1.markdown", "Hash", "Hashes are nice"),
        ("_posts/2016-11-26-special-chars-(+).markdown", "Special Characters", "url: "),
        ("_posts/2018-10-12-trailing-dots...markdown", "Ellipsis Path", "Lorem ipsum"),
    ],
)
def test_jekyll_odd_file_names_convert(
    jekyll_source: dict[str, PostResult], name: str, title: str, text: str
) -> None:
    result = jekyll_source[name]
    content = completion(result)
    assert [record.prompt for record in result.records] == [f"{title} Part 1"]
    record = result.records[0]
    assert record.meta is not None and record.meta["source"] == name
    assert content.startswith(text)


def test_jekyll_front_matter_only_post_is_skipped(jekyll_source: dict[str, PostResult]) -> None:
    result = jekyll_source["_methods/trailing-dots...md"]
    assert result.status == "skipped" and result.read and result.reason == "no body"
    assert result.source is not None
    assert load_post(result.source).title == "Ellipsis Path"


@pytest.mark.parametrize(
    ("name", "title", "metadata", "text"),
    [
        (
            "2010-01-08-triple-dash.markdown",
            "Foo --- Bar",
            {"title": "Foo --- Bar"},
            "Triple the fun!",
        ),
        ("2009-06-22-empty-yaml.markdown", "empty yaml", {}, "Empty YAML."),
        ("2009-06-22-no-yaml.markdown", "no yaml", {}, "No YAML."),
        (
            "2015-12-27-extra-spaces.markdown",
            "extra spaces",
            {"extra": "spaces"},
            "Best **post** ever",
        ),
        ("2013-08-01-mkdn-extension.mkdn", "mkdn extension", {}, "Best **post** ever"),
        ("2017-2-5-i-dont-like-zeroes.md", "i dont like zeroes", {"foo": "bar"}, None),
    ],
)
def test_jekyll_post_fixtures(
    jekyll_source: dict[str, PostResult],
    name: str,
    title: str,
    metadata: dict[str, Any],
    text: str | None,
) -> None:
    result = jekyll_source[f"_posts/{name}"]
    assert result.source is not None
    assert dict(load_post(result.source).metadata) == metadata
    content = completion(result)
    assert [record.prompt for record in result.records] == [f"{title} Part 1"]
    if text is not None:
        assert content == text


@pytest.mark.parametrize(("name", "title"), [("themes", "Themes"), ("plugins", "Plugins")])
def test_hexo_headerless_front_matter_without_body(corpora: Path, name: str, title: str) -> None:
    path = corpora / "hexo-site" / name / "index.md"
    assert not path.read_text(encoding="utf-8").startswith("---")
    post = load_post(path)
    assert post.front_matter == "yaml"
    assert post.title == title
    assert post.metadata == {
        "layout": "plugins",
        "title": title,
        "data": name,
        "partial": name[:-1],
        "comments": False,
    }
    assert not post.body.strip()

    result, diagnostics = convert_one(path)
    assert result.status == "skipped" and result.read
    assert result.reason == "no body" and result.error is None and not result.records
    assert all(d.severity != "error" for d in diagnostics)


def test_hexo_unclosed_fence_is_a_located_warning(corpora: Path) -> None:
    path = corpora / "hexo-site" / "ru" / "api" / "locals.md"
    result, diagnostics = convert_one(path)
    text = completion(result)
    unclosed = [d for d in diagnostics if "never closed" in d.message]
    assert len(unclosed) == 1, diagnostics
    warning = unclosed[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    assert warning.path == str(path) and warning.severity == "warning"
    assert warning.line is not None and lines[warning.line - 1].startswith("```")
    assert lines[warning.line - 1 :].count("```") == 0, "the fence opened there is not unclosed"
    assert str(warning).startswith(f"{path}:{warning.line}: warning: ")
    assert warning in result.warnings
    # CommonMark: the unclosed fence runs to the end of the post, all of it code.
    for line in lines[warning.line :]:
        if line.strip():
            assert line not in text


def test_hexo_fence_inside_a_longer_fence(corpora: Path) -> None:
    path = corpora / "hexo-site" / "_posts" / "2020-08-22-hexo-5-1_marked-3-1_math-4_util-2-4.md"
    result, diagnostics = convert_one(path)
    text = completion(result)
    # The ```` fence holds a ``` fence: both go, inner markers included.
    assert "``` js caption" not in text and "console.log('foo')" not in text
    assert "It can be used in triple backtick codeblock:" in text
    assert "above codeblock will be rendered as:" in text
    # The README counts this post's fences as unclosed, but its odd ``` line sits in a
    # raw-HTML <pre> block (line 299), which CommonMark does not read as a fence: every
    # fence is closed and no warning is due.
    assert [d for d in diagnostics if "never closed" in d.message] == []


@pytest.mark.parametrize("name", ["docs/tag-plugins.md", "zh-cn/docs/tag-plugins.md"])
def test_hexo_tag_plugin_code_blocks_are_removed(corpora: Path, name: str) -> None:
    path = corpora / "hexo-site" / name
    for chunker, options in CHUNKERS.items():
        result, _ = convert_one(path, chunker=chunker, chunker_options=options)
        text = completion(result)
        assert "{% codeblock" not in text and "{% endcodeblock" not in text
        assert "alert('Hello World!');" not in text
        assert "[rectangle setX: 10 y: 10 width: 20 height: 20];" not in text


def test_jessfraz_toml_front_matter(corpora: Path) -> None:
    path = corpora / "jessfraz-blog" / "post" / "reverse-vpn-for-all-the-things.md"
    post = load_post(path)
    assert post.front_matter == "toml"
    assert post.title == "Reverse VPN All The Things"
    assert post.metadata["date"] == "2015-10-02T11:47:47-07:00"
    assert post.metadata["draft"] is True
    assert post.body.startswith("\nUsually when you think of a VPN")

    # Read independently: the block between the first two "+++" lines, with tomllib.
    for other in sorted((corpora / "jessfraz-blog" / "post").glob("*.md")):
        post = load_post(other)
        _, block, _ = other.read_text(encoding="utf-8").split("+++\n", 2)
        expected = tomllib.loads(block)
        assert post.front_matter == "toml", other
        assert post.title == expected["title"], other
        # Quoted dates stay the strings the author wrote (one writes "T8:09:26").
        assert post.metadata["date"] == expected["date"], other
        assert re.match(r"\d{4}-\d{2}-\d{2}T", expected["date"]), other
        assert post.metadata.get("draft", False) == expected.get("draft", False), other


@pytest.mark.parametrize(
    ("chunker", "options"),
    [*CHUNKERS.items(), ("tokens", {"max_tokens": 16}), ("chars", {"max_chars": 40})],
    ids=["chars", "tokens", "headings", "tokens-16", "chars-40"],
)
def test_jessfraz_emoji_sequences_survive(
    corpora: Path, chunker: str, options: dict[str, Any]
) -> None:
    posts = [
        path
        for path in sorted((corpora / "jessfraz-blog" / "post").glob("*.md"))
        if "\u200d" in path.read_text(encoding="utf-8")
    ]
    assert len(posts) >= 5
    for path in posts:
        document = clean(load_post(path))
        expected = len(JOINED.findall(document.text))
        assert expected, f"{path}: its emoji sequences were cleaned away"
        result, _ = convert_one(path, chunker=chunker, chunker_options=options)
        # A part boundary inside a sequence would leave a joiner at a part's edge.
        found = sum(len(JOINED.findall(record.completion)) for record in result.records)
        assert found == expected, path
        assert "\U0001f469\U0001f3fc\u200d\U0001f680" in completion(result)


def test_nodejs_line_separator_survives_on_one_jsonl_line(corpora: Path, tmp_path: Path) -> None:
    path = corpora / "nodejs-blog" / "announcements" / "interactive-2015-programming.md"
    result, _ = convert_one(path)
    text = completion(result)
    assert "About Node.js Foundation\u2028Node.js Foundation is a collaborative" in text
    fmt = Options().format_options
    for record in result.records:
        line = dumps_record(format_record(record, fmt))
        assert len(line.splitlines()) == 1 and "\u2028" not in line
        assert json.loads(line)["completion"] == " " + record.completion

    out = tmp_path / "out.jsonl"
    convert([path], out)
    written = out.read_bytes().decode("utf-8")
    assert written.endswith("\n") and len(written.splitlines()) == len(result.records)
    assert "\u2028" in "".join(json.loads(line)["completion"] for line in written.splitlines())


# --- part three: reproducible output ---------------------------------------------------


@pytest.mark.parametrize("chunker", CHUNKERS)
def test_conversion_is_deterministic(corpora: Path, tmp_path: Path, chunker: str) -> None:
    root = corpora / "jessfraz-blog"
    options = Options(chunker=chunker, chunker_options=CHUNKERS[chunker], metadata=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    summary = convert([root], first, options, report=lambda diagnostic: None)
    convert([root], second, options, report=lambda diagnostic: None)
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert summary.converted == 75 and data.count(b"\n") == summary.records
