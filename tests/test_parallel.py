"""-j N: posts converted in worker processes, the output identical to one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from multiprocessing import active_children
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from blog2jsonl import Diagnostic, Options, PostError, convert, parallel
from blog2jsonl.cli import main
from blog2jsonl.parallel import MIN_PARALLEL_POSTS
from blog2jsonl.pipeline import iter_results


def make_blog(root: Path, posts: int, *, broken: int | None = None) -> Path:
    for i in range(posts):
        text = f"---\ntitle: Post {i}\n---\n## Part\n\n" + f"Sentence {i} of the post. " * 90
        if i == broken:
            text = "---\ntitle: [unclosed\n---\nBody.\n"
        path = root / f"{i // 10:02d}" / f"post-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    return root


def run(blog: Path, out: Path, jobs: int, **settings: object) -> tuple[bytes, list[str]]:
    diagnostics: list[Diagnostic] = []
    options = Options(jobs=jobs, **settings)  # type: ignore[arg-type]
    summary = convert([blog], out, options, report=diagnostics.append)
    written = b"\0".join(Path(path).read_bytes() for path in summary.outputs)
    return written, [str(d) for d in diagnostics]


def test_output_and_reports_are_identical_for_any_number_of_jobs(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 3 * MIN_PARALLEL_POSTS, broken=5)
    one = run(blog, tmp_path / "one.jsonl", 1, chunker="tokens", val_ratio=0.2)
    two = run(blog, tmp_path / "two.jsonl", 2, chunker="tokens", val_ratio=0.2)
    assert one == two
    assert any("post-005.md:2:" in line for line in one[1])  # the bad post, located
    assert not active_children()


def test_strict_stops_the_workers(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 2 * MIN_PARALLEL_POSTS, broken=20)
    with pytest.raises(PostError, match=r"post-020\.md"):
        convert([blog], tmp_path / "o.jsonl", jobs=2, strict=True, report=lambda d: None)
    assert not (tmp_path / "o.jsonl").exists()
    assert not active_children()


def test_a_consumer_that_stops_early_leaves_no_workers(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 4 * MIN_PARALLEL_POSTS)
    results = iter_results([blog], Options(jobs=2))
    first = next(results)
    assert first.status == "converted" and active_children()
    results.close()  # what a KeyboardInterrupt in the consumer does too
    assert not active_children()


def test_small_runs_stay_in_process(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", MIN_PARALLEL_POSTS - 1)
    results = iter_results([blog], Options(jobs=2))
    next(results)
    assert not active_children()
    assert len(list(results)) == MIN_PARALLEL_POSTS - 2


def test_cli_jobs(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 2 * MIN_PARALLEL_POSTS)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}.jsonl"
        result = CliRunner().invoke(main, [str(blog), "-o", str(out), "-j", jobs])
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert CliRunner().invoke(main, [str(blog), "-j", "0"]).exit_code == 2


def processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path("/proc", entry, "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for orphans")
def test_ctrl_c_leaves_no_output_and_no_orphans(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    for i in range(2000):  # long enough to be interrupted mid-run even on a fast machine
        text = " ".join(f"Post {i} sentence {j} says its own thing." for j in range(150))
        path = blog / f"{i // 100:02d}" / f"post-{i:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Post {i}\n---\n{text}\n", encoding="utf-8")
    out = tmp_path / "interrupted.jsonl"
    argv = [sys.executable, "-m", "blog2jsonl", str(blog), "-o", str(out), "-j", "2"]
    argv += ["--chunker", "tokens", "--max-tokens", "64"]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    # Wait until the workers are up (they share the command line), then press Ctrl-C
    # the way a terminal does: to the whole process group.
    while len(processes_mentioning(str(out))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_mentioning(str(out))) >= 3, "the workers never started"
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the run did not stop within 60 s of Ctrl-C")
    assert process.returncode == 130, stderr
    assert b"interrupted; no output written" in stderr
    assert b"Traceback" not in stderr
    assert not out.exists() and not list(tmp_path.glob(".interrupted.jsonl.*"))
    time.sleep(0.2)
    assert processes_mentioning(str(out)) == []


def test_a_long_post_starts_before_the_posts_ahead_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog = make_blog(tmp_path / "blog", 3 * MIN_PARALLEL_POSTS)
    (blog / "zz-long.md").write_text("# Long\n\n" + "Words of a long post. " * 20_000)
    options = Options(jobs=2)
    started: list[str] = []

    class Recording(ThreadPool):  # the scheduling under test runs in this process
        def apply_async(self, func: Any, args: Any = (), *rest: Any) -> Any:
            started.append(args[0].name)
            return super().apply_async(func, args, *rest)

    monkeypatch.setattr(parallel, "_worker", (options, options.make_chunker(), None))
    monkeypatch.setattr(parallel, "_start_pool", lambda *_: Recording(2))
    names = [result.display for result in iter_results([blog], options)]

    assert started[0] == "zz-long.md"  # discovered ahead, started first
    assert sorted(started) == sorted(name.rpartition("blog/")[2] for name in names)
    assert names[-1].endswith("zz-long.md")  # handed back in input order all the same
    assert names == [result.display for result in iter_results([blog], Options(jobs=1))]
