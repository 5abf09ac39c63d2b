"""-j N: posts converted in worker processes, the output identical to one process."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from multiprocessing import active_children
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from blog2jsonl import Diagnostic, Options, PostError, convert, parallel, pipeline
from blog2jsonl.cli import main
from blog2jsonl.errors import WorkerError
from blog2jsonl.models import Source
from blog2jsonl.parallel import MIN_PARALLEL_POSTS
from blog2jsonl.pipeline import PostResult, iter_results


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
    counts = [line.replace(str(out.with_suffix("")), "OUT") for line in summary.lines()]
    return written, [str(d) for d in diagnostics] + counts


def test_output_and_reports_are_identical_for_any_number_of_jobs(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 3 * MIN_PARALLEL_POSTS, broken=5)
    one = run(blog, tmp_path / "one.jsonl", 1, chunker="tokens", val_ratio=0.2)
    two = run(blog, tmp_path / "two.jsonl", 2, chunker="tokens", val_ratio=0.2)
    assert one == two  # records, diagnostics and the summary's counts
    assert "records: 0" not in " ".join(one[1])
    assert any("post-005.md:2:" in line for line in one[1])  # the bad post, located
    assert not active_children()


def test_an_explain_callback_gets_whole_results_from_the_workers(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 2 * MIN_PARALLEL_POSTS)
    seen: dict[int, list[tuple[str, int, int]]] = {1: [], 2: []}
    for jobs, results in seen.items():

        def explain(result: PostResult, into: list[tuple[str, int, int]] = results) -> None:
            into.append((result.display, len(result.records), len(result.chunks)))

        convert([blog], tmp_path / f"{jobs}.jsonl", Options(jobs=jobs), explain=explain)
    assert seen[1] == seen[2]
    assert all(records == chunks > 0 for _, records, chunks in seen[2])


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


def start_long_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A -j 2 run long enough to be interrupted mid-run, its workers up."""
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
    # The workers share the command line.
    while len(processes_mentioning(str(out))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_mentioning(str(out))) >= 3, "the workers never started"
    return process, out


def finish(process: subprocess.Popen[bytes]) -> bytes:
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the run did not stop within 60 s")
    return stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for orphans")
def test_ctrl_c_leaves_no_output_and_no_orphans(tmp_path: Path) -> None:
    process, out = start_long_run(tmp_path)
    # Pressed the way a terminal does: to the whole process group.
    os.killpg(process.pid, signal.SIGINT)
    stderr = finish(process)
    assert process.returncode == 130, stderr
    assert b"interrupted; no output written" in stderr
    assert b"Traceback" not in stderr
    assert not out.exists() and not list(tmp_path.glob(".interrupted.jsonl.*"))
    time.sleep(0.2)
    assert processes_mentioning(str(out)) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for workers")
def test_a_killed_worker_stops_the_run_with_a_message(tmp_path: Path) -> None:
    process, out = start_long_run(tmp_path)
    worker = max(processes_mentioning(str(out)))  # started after the parent
    assert worker != process.pid
    os.kill(worker, signal.SIGKILL)  # what the kernel's out-of-memory killer does
    stderr = finish(process)
    assert process.returncode == 1, stderr
    assert b"a worker process ended unexpectedly (exit status -9)" in stderr
    assert b"; no output written" in stderr
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

    submit = parallel._Workers.submit

    queued_behind_long: list[str] = []

    def recording(workers: Any, entry: Any) -> bool:  # the parent's side of sending a post
        sent: bool = submit(workers, entry)
        if sent:
            started.append(entry.work[0].name)
            ahead = list(workers._pending[entry.worker])[:-1]
            if any(other.size >= parallel.LONG_POST for other in ahead):
                queued_behind_long.append(entry.work[0].name)
        return sent

    monkeypatch.setattr(parallel._Workers, "submit", recording)
    # Pipes that hold a few tasks each: the other worker's fills up while the long post
    # is converted, and its worker would have room.
    monkeypatch.setattr(parallel, "PIPE_ROOM", 1500)
    names = [result.display for result in iter_results([blog], options)]

    assert started[0] == "zz-long.md"  # discovered ahead, started first
    assert queued_behind_long == []  # the other worker took the rest meanwhile
    assert sorted(started) == sorted(name.rpartition("blog/")[2] for name in names)
    assert names[-1].endswith("zz-long.md")  # handed back in input order all the same
    assert names == [result.display for result in iter_results([blog], Options(jobs=1))]


# The worker pool itself, with conversions of our own: what a worker does with a path.


def sources(root: Path, count: int) -> list[Source]:
    found = []
    for i in range(count):
        path = root / f"{i:03d}.md"
        path.write_text(f"text {i}\n", encoding="utf-8")
        found.append(Source(path, str(path), path.name))
    return found


def read_back(work: tuple[Source, object]) -> str:
    source = work[0]
    assert source.path is not None
    text = source.path.read_text(encoding="utf-8")
    if "die" in text:
        os._exit(3)  # a worker killed mid-run (the kernel's OOM killer, say)
    if "bug" in text:
        raise LookupError(f"a plugin's bug in {source.name}")
    if "slow" in text:
        time.sleep(0.5)
    return f"{os.getpid()}:{text.strip()}"


def convert_all(items: list[Source], jobs: int) -> list[str]:
    pairs = parallel.ordered_results(
        items, lambda source: (source, None), read_back, jobs, lambda: read_back
    )
    return [str(outcome) for _, outcome in pairs]


def test_results_come_back_in_input_order_from_every_worker(tmp_path: Path) -> None:
    items = sources(tmp_path, 5 * MIN_PARALLEL_POSTS)
    answers = convert_all(items, 2)
    assert [answer.partition(":")[2] for answer in answers] == [f"text {i}" for i in range(80)]
    assert len({answer.partition(":")[0] for answer in answers}) == 2  # both did some
    assert str(os.getpid()) not in {answer.partition(":")[0] for answer in answers}
    assert not active_children()


def test_a_worker_is_never_sent_more_than_its_pipe_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With room for no task beyond the one in hand, every send waits for an answer: the
    # run still finishes, in order.
    monkeypatch.setattr(parallel, "PIPE_ROOM", 1)
    items = sources(tmp_path, 3 * MIN_PARALLEL_POSTS)
    answers = convert_all(items, 2)
    assert [answer.partition(":")[2] for answer in answers] == [f"text {i}" for i in range(48)]


def test_the_first_posts_go_out_before_the_lookahead_is_discovered(tmp_path: Path) -> None:
    items = sources(tmp_path, 2 * parallel.LOOKAHEAD_STEP)
    pulled: list[Source] = []
    at_first_send: list[int] = []

    def discovered() -> Iterator[Source]:
        for item in items:
            pulled.append(item)
            yield item

    submit = parallel._Workers.submit

    def recording(workers: Any, entry: Any) -> bool:
        at_first_send.append(len(pulled))
        return submit(workers, entry)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parallel._Workers, "submit", recording)
        pairs = parallel.ordered_results(
            discovered(), lambda source: (source, None), read_back, 2, lambda: read_back
        )
        assert len(list(pairs)) == len(items)
    assert at_first_send[0] <= parallel.LOOKAHEAD_STEP < len(items)


def test_workers_stop_once_everything_is_sent(tmp_path: Path) -> None:
    # Told to stop as soon as the last post is sent, the workers are gone by the time the
    # last result is handed back, not only when the caller asks for the next one.
    items = sources(tmp_path, 2 * MIN_PARALLEL_POSTS)
    pairs = parallel.ordered_results(
        items, lambda source: (source, None), read_back, 2, lambda: read_back
    )
    assert len(list(islice(pairs, len(items)))) == len(items)  # the last one is in hand
    deadline = time.monotonic() + 10
    while active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not active_children()
    assert list(pairs) == []


def test_a_worker_that_stopped_as_told_is_not_an_error(tmp_path: Path) -> None:
    # The last post is slow: the other worker has stopped long before its answer comes.
    items = sources(tmp_path, 2 * MIN_PARALLEL_POSTS)
    assert items[-1].path is not None
    items[-1].path.write_text("slow\n", encoding="utf-8")
    answers = convert_all(items, 2)
    assert answers[-1].endswith(":slow")
    assert not active_children()


def test_an_idle_worker_that_dies_ends_the_run(tmp_path: Path) -> None:
    # A worker killed while it has nothing to do is noticed all the same, not at the end.
    workers: parallel._Workers[Source, str] = parallel._start_workers(2, lambda: read_back)
    try:
        slow = sources(tmp_path, 1)[0]
        assert slow.path is not None
        slow.path.write_text("slow\n", encoding="utf-8")
        entry: parallel._Entry[Source, str] = parallel._Entry(slow, (slow, None))
        assert workers.submit(entry)
        idle = workers._processes[1 - entry.worker]
        assert idle.pid is not None
        os.kill(idle.pid, signal.SIGKILL)
        with pytest.raises(WorkerError, match=r"ended unexpectedly \(exit status -9\)$"):
            workers.receive()
        assert not entry.done  # the other worker's post was not waited for
    finally:
        workers.stop()
    assert not active_children()


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("bug", LookupError, r"020\.md"),  # an exception in a worker is raised here
        ("die", WorkerError, r"ended unexpectedly \(exit status 3\) .*020\.md"),  # no hang
    ],
)
def test_a_worker_that_fails_stops_the_run_with_its_reason(
    tmp_path: Path, text: str, error: type[Exception], message: str
) -> None:
    items = sources(tmp_path, 2 * MIN_PARALLEL_POSTS)
    assert items[20].path is not None
    items[20].path.write_text(f"{text}\n", encoding="utf-8")
    with pytest.raises(error, match=message):
        convert_all(items, 2)
    assert not active_children()


def test_a_brief_answer_makes_the_same_result_and_lines(tmp_path: Path) -> None:
    # What a worker sends for a run that writes (values only, no objects the writing
    # process has) must make exactly the result and lines converting here makes.
    blog = make_blog(tmp_path / "blog", 3, broken=1)
    (blog / "empty.md").write_text("---\ntitle: Empty\n---\n\n```sh\nrm -rf /\n```\n")
    (blog / "fence.md").write_text("# Open\n\nProse before.\n\n```py\nnever closed\n")
    options = Options(chunker="tokens", metadata=True)
    render = pipeline._Render(options.format_options, True, True, "o200k_base", keep=False)
    converter = pipeline._Converter(options, options.make_chunker(), None, render)
    brief = pipeline._Brief(converter)
    statuses = set()
    for pair in pipeline.discover_inputs([blog], options, None):
        work = pipeline._task(pair)
        assert work is not None
        result, lines = converter(work)
        rebuilt, rebuilt_lines = pipeline._unbrief(pair, brief(work))
        assert rebuilt_lines == lines
        assert replace(rebuilt, error=None) == replace(result, error=None)
        assert repr(rebuilt.error) == repr(result.error)
        statuses.add((result.status, bool(result.warnings), result.error is not None))
    assert statuses == {
        ("converted", False, False),
        ("converted", True, False),  # the unclosed fence
        ("failed", False, True),
        ("skipped", False, False),
    }


@pytest.mark.parametrize(
    "source",
    [
        Source(Path("/blog/a b/post.md"), "a b/post.md", "a b/post.md"),
        Source(Path("relative/post.md"), "relative/post.md", "post.md"),
        Source(None, "<stdin>", "<stdin>"),
    ],
)
def test_a_source_crosses_to_a_worker_unchanged(source: Source) -> None:
    again = pickle.loads(pickle.dumps(source, pickle.HIGHEST_PROTOCOL))
    assert again == source
    assert type(again.path) is type(source.path)


def test_a_site_converts_the_same_with_workers(tmp_path: Path) -> None:
    # A site's verdicts (unpublished posts skipped with their reason) and what it adds
    # to the records' meta come back from the workers as from one process.
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: Test\n", encoding="utf-8")
    for i in range(2 * MIN_PARALLEL_POSTS):
        published = "published: false\n" if i % 7 == 3 else ""
        text = f"---\ntitle: Post {i}\ntags: [a, b]\n{published}---\n" + f"Line {i}. " * 80
        (site / "_posts" / f"2020-01-{i % 28 + 1:02d}-post-{i:02d}.md").write_text(text)
    settings = {"chunker": "tokens", "metadata": True, "now": "2026-01-01T00:00:00Z"}
    one = run(site, tmp_path / "one.jsonl", 1, **settings)
    two = run(site, tmp_path / "two.jsonl", 2, **settings)
    assert one[0] == two[0]
    assert [line.replace("two.jsonl", "one.jsonl") for line in two[1]] == one[1]
    assert "read as a jekyll site" in " ".join(one[1])
    assert "skipped: 5 (unpublished: 5)" in " ".join(one[1])
    assert b'"url": "/2020/01/' in one[0]  # the site's own meta
