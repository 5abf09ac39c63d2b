"""Parallel: convert posts in worker processes and hand the results back in input order.

Workers receive paths (a :class:`~blog2jsonl.models.Source` and the site's
:class:`~blog2jsonl.sites.Entry`) and return :class:`~blog2jsonl.pipeline.PostResult`
values; everything that decides the output's order or content across posts (dedupe, the
split, writing) stays in the parent, so the output is byte-identical to one process.
What is in flight is bounded (a few posts per worker, or a few megabytes of input), so
memory stays flat however many posts there are. Results come back in input order, so one
post far longer than the rest would hold everything behind it up: discovery runs a
little ahead of submission, and a long post it meets is started at once, beside the posts
before it, instead of last and alone. Workers ignore Ctrl-C; the parent stops them and no
process outlives the run.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing.pool import AsyncResult, Pool
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .chunkers import Chunker
    from .models import Source
    from .pipeline import Options, PathArg, PostResult
    from .sites import Entry, SiteReader

__all__ = ["default_jobs", "ordered_results"]

#: Posts in flight per worker, at least: enough to keep every worker busy.
WINDOW_PER_JOB = 8
#: Bytes of input in flight, beyond those posts: room for the other workers to go on while
#: one converts a post much longer than the rest, with memory still bounded.
WINDOW_BYTES = 8 << 20
#: Posts discovered ahead of the first one not yet submitted, to find long posts early.
LOOKAHEAD = 1024
#: A post this long (bytes) is started as soon as discovery meets it.
LONG_POST = 256 << 10
#: Runs with fewer posts than this are converted in-process: starting workers costs more.
MIN_PARALLEL_POSTS = 16

T = TypeVar("T")

_worker: tuple[Options, Chunker, SiteReader | None] | None = None


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_results(
    items: Iterable[T],
    task: Callable[[T], tuple[Source, Entry | None] | None],
    convert: Callable[[Source, Entry | None], PostResult],
    jobs: int,
    paths: Sequence[PathArg],
    options: Options,
) -> Iterator[tuple[T, PostResult | None]]:
    """Each item with its conversion, in the order of ``items``.

    ``task`` says what an item needs converted (``None``: nothing, the item passes
    through with ``None``). With ``jobs`` 1, or fewer than :data:`MIN_PARALLEL_POSTS`
    posts, ``convert`` runs here; otherwise ``jobs`` worker processes, each set up with
    the same ``paths`` and ``options``, convert the posts read from files (standard
    input is always read here).
    """
    iterator = iter(items)
    head: list[T] = []
    if jobs > 1:
        for item in iterator:
            head.append(item)
            if len(head) >= MIN_PARALLEL_POSTS:
                break
    if jobs <= 1 or len(head) < MIN_PARALLEL_POSTS:
        for item in chain(head, iterator):
            work = task(item)
            yield item, None if work is None else convert(*work)
        return
    yield from _in_workers(chain(head, iterator), task, convert, jobs, paths, options)


@dataclass(slots=True)
class _Entry(Generic[T]):
    """A discovered item on its way through the workers."""

    item: T
    work: tuple[Source, Entry | None] | None
    size: int = 0
    outcome: AsyncResult[PostResult] | PostResult | None = None
    submitted: bool = False


def _in_workers(
    items: Iterator[T],
    task: Callable[[T], tuple[Source, Entry | None] | None],
    convert: Callable[[Source, Entry | None], PostResult],
    jobs: int,
    paths: Sequence[PathArg],
    options: Options,
) -> Iterator[tuple[T, PostResult | None]]:
    pool = _start_pool(jobs, paths, options)
    entries: deque[_Entry[T]] = deque()  # in input order, the first one next to hand back
    queued = 0  # entries[:queued] are submitted (long posts may be, further on)
    flight = [0, 0]  # posts and bytes submitted and not yet handed back

    def submit(entry: _Entry[T]) -> None:
        entry.submitted = True
        if entry.work is None:
            return
        if entry.work[0].path is None:  # standard input belongs to this process
            entry.outcome = convert(*entry.work)
            return
        entry.outcome = pool.apply_async(_work, entry.work)
        flight[0] += 1
        flight[1] += entry.size

    def room(size: int) -> bool:
        return flight[0] < jobs * WINDOW_PER_JOB or flight[1] + size <= WINDOW_BYTES

    try:
        while True:
            for item in islice(items, max(LOOKAHEAD - (len(entries) - queued), 0)):
                work = task(item)
                entry = _Entry(item, work, _size(work))
                entries.append(entry)
                if entry.size >= LONG_POST and flight[1] + entry.size <= WINDOW_BYTES:
                    submit(entry)
            while queued < len(entries) and (
                entries[queued].submitted or room(entries[queued].size)
            ):
                if not entries[queued].submitted:
                    submit(entries[queued])
                queued += 1
            if not entries:
                break
            entry = entries.popleft()
            queued = max(queued - 1, 0)
            if not entry.submitted:
                submit(entry)
            outcome = entry.outcome
            if isinstance(outcome, AsyncResult):
                outcome = outcome.get()
                flight[0] -= 1
                flight[1] -= entry.size
            yield entry.item, outcome
        pool.close()
    finally:
        # Also on Ctrl-C, --strict's first error, or a consumer that stops early.
        pool.terminate()
        pool.join()


def _size(work: tuple[Source, Entry | None] | None) -> int:
    path = None if work is None else work[0].path
    if path is None:
        return 0
    try:
        return os.stat(path).st_size
    except OSError:  # the worker reports it, as it would in one process
        return 0


def _start_pool(jobs: int, paths: Sequence[PathArg], options: Options) -> Pool:
    # What this process has loaded (the tokenizer, above all) is shared with the forked
    # workers until written to. Frozen, the objects are left alone by the workers' garbage
    # collector, which would otherwise write to every one of them and so copy its page.
    gc.freeze()
    # Workers must never see Ctrl-C, not even before their initializer runs: it is
    # blocked while they are forked (they inherit the mask; the initializer ignores it
    # and unblocks), and one pressed meanwhile reaches this process when unblocked.
    block = hasattr(signal, "pthread_sigmask")
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.get_context().Pool(jobs, _start_worker, (tuple(paths), options))
    finally:
        gc.unfreeze()
        if block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker(paths: tuple[PathArg, ...], options: Options) -> None:
    global _worker
    # Ctrl-C goes to the whole process group: the parent alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    from .pipeline import open_input

    _worker = (options, options.make_chunker(), open_input(paths, options))


def _work(source: Source, entry: Entry | None) -> PostResult:
    from functools import partial

    from .pipeline import convert_post

    assert _worker is not None, "a worker converts only after _start_worker"
    options, chunker, site = _worker
    judge = None if site is None or entry is None else partial(site.judge, entry)
    return convert_post(source, options, chunker, judge)
