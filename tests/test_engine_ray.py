"""The Ray engine: the same records as the local engine, in deterministic shards.

One local Ray (two CPUs, on loopback) serves the whole module. Without Ray installed the
tests that need it are skipped, unless ``BLOG2JSONL_REQUIRE_RAY`` is set, as CI sets it:
then they fail, so that a broken install cannot pass for a green run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl import Diagnostic, Options, OptionsError, PostError, convert, iter_records
from blog2jsonl.engines import RaySummary, convert_with_ray
from blog2jsonl.engines.ray import MISSING_EXTRA
from blog2jsonl.write import dumps_record

# Ray Data's own use of its deprecated settings, nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")

#: Set (to anything but ``0``, ``false``, ``no`` or nothing) to fail, not skip, without Ray.
REQUIRE_RAY_ENV = "BLOG2JSONL_REQUIRE_RAY"

SAMPLE_POSTS = Path(__file__).resolve().parents[1] / "sample_posts"


def _required() -> bool:
    value = os.environ.get(REQUIRE_RAY_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A local Ray for the module's tests, shut down after them."""
    reason = "Ray is not installed: pip install 'blog2jsonl[ray]' to test the Ray engine"
    if _required():
        try:
            import ray
        except ImportError:
            pytest.fail(f"{reason}, and {REQUIRE_RAY_ENV} requires it", pytrace=False)
    else:
        ray = pytest.importorskip("ray", reason=reason)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=80 * 1024**2,
        ignore_reinit_error=True,
        configure_logging=False,
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def local(
    paths: list[Path | str], options: Options | None = None
) -> tuple[list[str], list[Diagnostic]]:
    """The local engine's lines and diagnostics."""
    seen: list[Diagnostic] = []
    lines = [dumps_record(r) for r in iter_records(paths, options, report=seen.append)]
    return lines, seen


def on_ray(
    paths: list[Path | str], out: Path, options: Options | None = None, **settings: Any
) -> tuple[RaySummary, list[Diagnostic]]:
    seen: list[Diagnostic] = []
    summary = convert_with_ray(paths, out, options, report=seen.append, **settings)
    return summary, seen


def shard_lines(summary: RaySummary) -> list[str]:
    return [
        line
        for shard in summary.shards
        for line in Path(shard).read_text(encoding="utf-8").splitlines()
    ]


@pytest.fixture
def broken_blog(tmp_path: Path) -> Path:
    """The sample posts, a post with bad front matter, one not UTF-8, and a copy."""
    blog = tmp_path / "blog"
    shutil.copytree(SAMPLE_POSTS, blog)
    write(blog / "broken.md", "---\ntitle: [unclosed\n---\nBody.\n")
    (blog / "latin1.md").write_bytes(b"# Caf\xe9\n\nAu lait.\n")
    shutil.copy(blog / "hugo-build-checklist.md", blog / "zz-copy.md")
    return blog


def test_sample_posts_give_the_local_engines_lines(ray_cluster: None, tmp_path: Path) -> None:
    expected, _ = local([SAMPLE_POSTS])
    summary, seen = on_ray([SAMPLE_POSTS], tmp_path / "out")
    assert shard_lines(summary) == expected  # the same lines, in the same order
    assert summary.shards == [str(tmp_path / "out" / "part-00000.jsonl")]
    assert summary.outputs == summary.shards
    assert (summary.posts, summary.records, summary.failures) == (6, len(expected), [])
    assert summary.ok and seen == []
    assert summary.lines()[-1] == f"1 jsonl shard in {tmp_path / 'out'}"


def test_a_broken_post_is_a_failure_row_and_the_rest_is_written(
    ray_cluster: None, broken_blog: Path, tmp_path: Path
) -> None:
    expected, expected_seen = local([broken_blog])
    counted = convert([broken_blog], tmp_path / "local.jsonl", report=lambda _: None)
    summary, seen = on_ray([broken_blog], tmp_path / "out")
    assert shard_lines(summary) == expected
    assert seen == expected_seen  # the same diagnostics, worded the same, in order
    assert summary.lines()[:-1] == counted.lines()  # counts, characters, tokens, duplicates
    assert [(f.path, f.line) for f in summary.failures] == [
        (str(broken_blog / "broken.md"), 2),
        (str(broken_blog / "latin1.md"), 1),
    ]
    assert summary.failures[0].message.startswith("bad YAML")
    assert (summary.read, summary.converted, summary.failed) == (9, 6, 2)
    assert summary.skipped == {"duplicate": 1}
    assert not summary.ok


def test_strict_raises_the_first_failure_and_writes_nothing(
    ray_cluster: None, broken_blog: Path, tmp_path: Path
) -> None:
    with pytest.raises(PostError) as raised:
        on_ray([broken_blog], tmp_path / "out", Options(strict=True))
    assert (raised.value.path, raised.value.line) == (str(broken_blog / "broken.md"), 2)
    assert os.listdir(tmp_path / "out") == []


def test_shard_names_and_bytes_are_deterministic(ray_cluster: None, tmp_path: Path) -> None:
    options = Options(chunker_options={"max_chars": 600})
    expected, _ = local([SAMPLE_POSTS], options)
    first, _ = on_ray([SAMPLE_POSTS], tmp_path / "a", options, records_per_shard=4)
    second, _ = on_ray([SAMPLE_POSTS], tmp_path / "b", options, records_per_shard=4)
    names = [Path(shard).name for shard in first.shards]
    assert names == [f"part-{i:05d}.jsonl" for i in range(-(-len(expected) // 4))]
    assert [Path(shard).name for shard in second.shards] == names
    for one, two in zip(first.shards, second.shards, strict=True):
        assert Path(one).read_bytes() == Path(two).read_bytes()
    assert shard_lines(first) == expected
    # Run again into the same folder with bigger shards: the old ones are replaced.
    again, _ = on_ray([SAMPLE_POSTS], tmp_path / "a", options, records_per_shard=len(expected))
    assert sorted(os.listdir(tmp_path / "a")) == ["part-00000.jsonl"]
    assert shard_lines(again) == expected


def test_parquet_holds_the_same_records(ray_cluster: None, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow comes with ray[data]")
    options = Options(format="chat", metadata=True, system="You write posts for this blog.")
    expected, _ = local([SAMPLE_POSTS], options)
    summary, _ = on_ray([SAMPLE_POSTS], tmp_path / "out", options, output_format="parquet")
    assert [Path(shard).name for shard in summary.shards] == ["part-00000.parquet"]
    table = pq.read_table(summary.shards[0])
    assert table.column_names == ["messages", "meta"]
    rows = table.to_pylist()
    for row in rows:
        row["meta"] = json.loads(row["meta"])  # JSON text: its keys vary between posts
    assert [dumps_record(row) for row in rows] == expected


def test_a_site_is_read_as_the_local_engine_reads_it(
    ray_cluster: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    write(site / "hugo.toml", 'baseURL = "https://example.org/"\n')
    write(site / "content/post/hello.md", "---\ntitle: Hello\n---\nThe first post says hi.\n")
    write(site / "content/post/draft.md", "---\ntitle: Soon\ndraft: true\n---\nNot yet.\n")
    write(site / "content/post/_index.md", "---\ntitle: Posts\n---\nA section page.\n")
    monkeypatch.chdir(tmp_path)  # the site given relative to here, as on a command line
    options = Options(metadata=True, now="2026-01-31")
    expected, expected_seen = local(["site"], options)
    summary, seen = on_ray(["site"], tmp_path / "out", options)
    assert len(expected) == 1 and '"generator": "hugo"' in expected[0]
    assert shard_lines(summary) == expected
    assert seen == expected_seen
    assert summary.site == "hugo site (from hugo.toml)"
    assert summary.skipped == {"draft": 1, "page": 1}


def test_what_the_ray_engine_refuses(ray_cluster: None, tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="training and validation"):
        convert_with_ray([SAMPLE_POSTS], tmp_path, Options(val_ratio=0.2))
    with pytest.raises(OptionsError, match="unknown output format 'csv'"):
        convert_with_ray([SAMPLE_POSTS], tmp_path, output_format="csv")
    with pytest.raises(OptionsError, match="standard input"):
        convert_with_ray(["-"], tmp_path)
    with pytest.raises(OptionsError, match=r"cannot reach a Ray cluster at 127\.0\.0\.1:1:"):
        convert_with_ray([SAMPLE_POSTS], tmp_path, address="127.0.0.1:1")  # port 1: nobody
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(OptionsError, match="cannot write to"):
        convert_with_ray([SAMPLE_POSTS], tmp_path / "file")


def test_without_the_extra_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import ray` raise ImportError, as if it were not there.
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setitem(sys.modules, "ray.data", None)
    with pytest.raises(OptionsError) as raised:
        convert_with_ray([SAMPLE_POSTS], tmp_path / "out")
    assert str(raised.value) == MISSING_EXTRA
    assert MISSING_EXTRA == "the Ray engine needs the ray extra: pip install 'blog2jsonl[ray]'"
    assert not (tmp_path / "out").exists()


def test_importing_the_engines_does_not_import_ray() -> None:
    code = (
        "import sys, blog2jsonl.engines as engines\n"
        "assert callable(engines.convert_with_ray)\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_cli_runs_the_ray_engine(ray_cluster: None, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from blog2jsonl.cli import main

    out = tmp_path / "shards"
    result = CliRunner().invoke(main, [str(SAMPLE_POSTS), "-o", str(out), "--engine", "ray"])
    assert result.exit_code == 0, result.stderr
    written = sorted(
        line for shard in sorted(out.iterdir()) for line in shard.read_text().splitlines()
    )
    expected = sorted(dumps_record(record) for record in iter_records([SAMPLE_POSTS]))
    assert written == expected
    refused = CliRunner().invoke(
        main, [str(SAMPLE_POSTS), "-o", str(out), "--engine", "ray", "--check"]
    )
    assert refused.exit_code == 2 and "--check works with the local engine" in refused.stderr
    assert (
        CliRunner().invoke(main, [str(SAMPLE_POSTS), "--output-format", "parquet"]).exit_code == 2
    )
