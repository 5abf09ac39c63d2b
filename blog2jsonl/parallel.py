"""Parallel: convert posts in worker processes and hand the results back in input order.

Workers receive paths (a :class:`~blog2jsonl.models.Source` and the site's
:class:`~blog2jsonl.sites.Entry`) and return :class:`~blog2jsonl.pipeline.PostResult`
values; everything that decides the output's order or content across posts (dedupe, the
split, writing) stays in the parent, so the output is byte-identical to one process.
At most a few posts per worker are in flight, so memory stays flat however many posts
there are. Workers ignore Ctrl-C; the parent stops them and no process outlives the run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .chunkers import Chunker
    from .models import Source
    from .pipeline import Options, PathArg, PostResult
    from .sites import Entry, SiteReader

__all__ = ["default_jobs", "ordered_results"]

#: Posts in flight per worker: enough to keep every worker busy, few enough to hold.
WINDOW_PER_JOB = 8
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


def _in_workers(
    items: Iterator[T],
    task: Callable[[T], tuple[Source, Entry | None] | None],
    convert: Callable[[Source, Entry | None], PostResult],
    jobs: int,
    paths: Sequence[PathArg],
    options: Options,
) -> Iterator[tuple[T, PostResult | None]]:
    # Workers must never see Ctrl-C, not even before their initializer runs: it is
    # blocked while they are forked (they inherit the mask; the initializer ignores it
    # and unblocks), and one pressed meanwhile reaches this process when unblocked.
    block = hasattr(signal, "pthread_sigmask")
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = multiprocessing.get_context().Pool(jobs, _start_worker, (tuple(paths), options))
    finally:
        if block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    pending: deque[tuple[T, AsyncResult[PostResult] | PostResult | None]] = deque()
    try:
        for item in items:
            work = task(item)
            if work is None:
                pending.append((item, None))
            elif work[0].path is None:  # standard input belongs to this process
                pending.append((item, convert(*work)))
            else:
                pending.append((item, pool.apply_async(_work, work)))
            while len(pending) > jobs * WINDOW_PER_JOB:
                yield _settle(pending.popleft())
        while pending:
            yield _settle(pending.popleft())
        pool.close()
    finally:
        # Also on Ctrl-C, --strict's first error, or a consumer that stops early.
        pool.terminate()
        pool.join()


def _settle(
    entry: tuple[T, AsyncResult[PostResult] | PostResult | None],
) -> tuple[T, PostResult | None]:
    item, outcome = entry
    if isinstance(outcome, AsyncResult):
        return item, outcome.get()
    return item, outcome


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
