"""The whole pipeline as a library: iter_records, iter_results, convert."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import blog2jsonl
from blog2jsonl import Diagnostic, Options, OptionsError, PostError, convert, iter_records
from blog2jsonl.pipeline import iter_results


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_blog(root: Path, posts: int) -> Path:
    for i in range(posts):
        write(
            root / f"{i // 100:03d}" / f"post-{i:05d}.md",
            f"---\ntitle: Post {i}\n---\n## Part\n\n" + f"Sentence number {i}. " * 40 + "\n",
        )
    return root


def test_public_api_is_exported_and_typed() -> None:
    for name in blog2jsonl.__all__:
        assert getattr(blog2jsonl, name) is not None
    assert (Path(blog2jsonl.__file__).parent / "py.typed").exists()


def test_iter_records_takes_keyword_options(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\n" + "Words and more words. " * 50)
    records = list(iter_records([tmp_path], chunker="tokens", chunker_options={"max_tokens": 64}))
    assert len(records) > 1
    assert records[0]["prompt"] == "A Part 1"
    assert all(isinstance(r["completion"], str) for r in records)
    with pytest.raises(OptionsError):
        list(iter_records([tmp_path], Options(), chunker="tokens"))
    with pytest.raises(OptionsError, match="no_such_option"):
        list(iter_records([tmp_path], no_such_option=True))


def test_bad_posts_are_reported_to_the_callback(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "Good.\n")
    (tmp_path / "b.md").write_bytes(b"caf\xe9 au lait")
    write(tmp_path / "c.md", "```\nunclosed\n")
    seen: list[Diagnostic] = []
    results = list(iter_results([tmp_path], report=seen.append))
    assert [r.status for r in results] == ["converted", "failed", "skipped"]
    assert [(d.line, d.severity) for d in seen] == [(1, "error"), (1, "warning")]
    assert str(seen[0]).startswith(f"{tmp_path / 'b.md'}:1: not valid UTF-8")
    assert isinstance(results[1].error, PostError)


def test_default_report_goes_to_logging(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path / "bad.md", "+++\ntitle = \n+++\n")
    with caplog.at_level(logging.WARNING, logger="blog2jsonl"):
        assert list(iter_records([tmp_path])) == []
    assert f"{tmp_path / 'bad.md'}:2: bad TOML" in caplog.text


def test_strict_raises_the_first_error(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\nx: [\n---\n")
    with pytest.raises(PostError) as error:
        list(iter_records([tmp_path], strict=True))
    assert error.value.path == str(tmp_path / "a.md")


def test_output_is_deterministic(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 30)
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    convert([blog], first, chunker="headings", metadata=True)
    convert([blog], second, chunker="headings", metadata=True)
    assert first.read_bytes() == second.read_bytes()


def test_interrupted_run_leaves_the_old_output(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 20)
    out = write(tmp_path / "out.jsonl", "previous run\n")

    def interrupt(summary: blog2jsonl.Summary) -> None:
        if summary.read == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        convert([blog], out, progress=interrupt)
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blog", "out.jsonl"]


def test_records_stream_before_discovery_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = write(tmp_path / "a.md", "Hello.\n")

    def endless(inputs: object, extensions: object) -> Iterator[blog2jsonl.Source]:
        for i in itertools.count():
            yield blog2jsonl.Source(post, f"a{i}.md", f"a{i}.md")

    monkeypatch.setattr("blog2jsonl.pipeline.iter_sources", endless)
    # Dedupe off: every post here is the same file, which dedupe would drop after the first.
    first = list(itertools.islice(iter_records(["ignored"], dedupe=False), 3))
    assert [r["completion"] for r in first] == [" Hello."] * 3


PEAK = """
import sys, tracemalloc
from blog2jsonl import convert
def peak(blog, dedupe):
    tracemalloc.start()
    convert([blog], sys.argv[3], chunker="chars", dedupe=dedupe, jobs=1)
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top
peak(sys.argv[1], True)  # warm caches (parsers, encodings) outside the measurement
small, large = sys.argv[1:3]
print(peak(small, False), peak(large, False))
"""


def test_memory_stays_flat_as_posts_grow(tmp_path: Path) -> None:
    small = make_blog(tmp_path / "small", 100)
    large = make_blog(tmp_path / "large", 2000)  # 20 times the posts, ~1.8 MB of text
    # A fresh interpreter: how often the cycle collector runs depends on everything else
    # alive in the process, and a test suite keeps a lot alive.
    argv = [sys.executable, "-c", PEAK, str(small), str(large), str(tmp_path / "out.jsonl")]
    run = subprocess.run(argv, capture_output=True, text=True, check=True)
    small_peak, large_peak = map(int, run.stdout.split())
    # Not zero growth: cyclic garbage waits for the collector, a bounded amount. (Dedupe's
    # memory, which does grow with the records, is measured in test_dedupe.py.)
    assert large_peak < 3 * small_peak, (small_peak, large_peak)
