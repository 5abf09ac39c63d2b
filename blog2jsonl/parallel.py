"""Parallel: convert posts in worker processes and hand the results back in input order.

Workers receive paths (a :class:`~blog2jsonl.models.Source` and the site's
:class:`~blog2jsonl.sites.Entry`) and return what the pipeline makes of one post (its
result, and its lines as they will be written); everything that decides the output's
order or content across posts (dedupe, the split, writing) stays in the parent, so the
output is byte-identical to one process. The parent alone sends and receives, over a
pipe per worker, with no threads of its own.
What is in flight is bounded (a few posts per worker, or a few megabytes of input), so
memory stays flat however many posts there are. Results come back in input order, so one
post far longer than the rest would hold everything behind it up: discovery runs a
little ahead of submission, and a long post it meets is started as soon as a worker can
take it, beside the posts before it, instead of last and alone; no other post queues
behind it. Workers ignore Ctrl-C; the parent stops them and no process outlives the run;
a worker that dies (killed, say) ends the run with a :class:`~blog2jsonl.errors.WorkerError`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import select
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import WorkerError

if TYPE_CHECKING:
    from .models import Source
    from .sites import Entry

__all__ = ["default_jobs", "ordered_results"]

#: Posts in flight per worker, at least: enough to keep every worker busy.
WINDOW_PER_JOB = 8
#: Bytes of input in flight, beyond those posts: room for the other workers to go on while
#: one converts a post much longer than the rest, with memory still bounded.
WINDOW_BYTES = 8 << 20
#: Posts discovered ahead of the first one not yet submitted, to find long posts early.
LOOKAHEAD = 1024
#: Posts discovered at a time: the first posts are sent without waiting for the lookahead.
LOOKAHEAD_STEP = 64
#: A post this long (bytes) is started as soon as discovery meets it.
LONG_POST = 256 << 10
#: Posts in hand per worker (converting or waiting in its pipe) beyond which it is sent
#: no more: enough to keep it busy, few enough that work is not held up behind a long one.
QUEUE = 4
#: Bytes of tasks a worker may have been sent and not yet answered: well within what a
#: pipe holds, so that sending one never waits.
PIPE_ROOM = 16 << 10
#: Runs with fewer posts than this are converted in-process: starting workers costs more.
MIN_PARALLEL_POSTS = 16

T = TypeVar("T")
R = TypeVar("R")
Work = tuple["Source", "Entry | None"]


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_results(
    items: Iterable[T],
    task: Callable[[T], Work | None],
    convert: Callable[[Work], R],
    jobs: int,
    setup: Callable[[], Callable[[Work], Any]],
    finish: Callable[[T, Any], R] | None = None,
) -> Iterator[tuple[T, R | None]]:
    """Each item with its conversion, in the order of ``items``.

    ``task`` says what an item needs converted (``None``: nothing, the item passes
    through with ``None``). With ``jobs`` 1, or fewer than :data:`MIN_PARALLEL_POSTS`
    posts, ``convert`` runs here; otherwise ``jobs`` worker processes convert the posts
    read from files, each with the function its call of ``setup`` (a picklable callable)
    returns, and ``finish``, when given, turns what a worker sent for an item into the
    conversion (a worker can then leave out what this process has, the item's own
    values). Standard input is always read here.
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
            yield item, None if work is None else convert(work)
        return
    yield from _in_workers(chain(head, iterator), task, convert, jobs, setup, finish)


@dataclass(slots=True)
class _Entry(Generic[T, R]):
    """A discovered item on its way through the workers."""

    item: T
    work: Work | None
    size: int = 0
    submitted: bool = False
    done: bool = False  # ``outcome`` is in
    outcome: R | None = None
    worker: int = -1  # the one converting it
    task: int = 0  # the size of what it was sent, in bytes
    payload: bytes | None = None  # the task pickled, kept while no worker can take it


def _in_workers(
    items: Iterator[T],
    task: Callable[[T], Work | None],
    convert: Callable[[Work], R],
    jobs: int,
    setup: Callable[[], Callable[[Work], Any]],
    finish: Callable[[T, Any], R] | None,
) -> Iterator[tuple[T, R | None]]:
    workers: _Workers[T, R] = _start_workers(jobs, setup)
    entries: deque[_Entry[T, R]] = deque()  # in input order, the first one next to hand back
    queued = 0  # entries[:queued] are submitted (long posts may be, further on)
    flight = [0, 0]  # posts and bytes submitted and not yet handed back
    long: deque[_Entry[T, R]] = deque()  # long posts discovered, to start when there is room
    discovered = False  # every item

    def submit(entry: _Entry[T, R]) -> bool:
        """Start converting ``entry``; ``False`` when no worker can take it now."""
        work = entry.work
        if work is not None and work[0].path is not None:
            if not workers.submit(entry):
                return False
            flight[0] += 1
            flight[1] += entry.size
        else:  # nothing to convert, or standard input, which belongs to this process
            entry.outcome = None if work is None else convert(work)
            entry.done = True
        entry.submitted = True
        return True

    def room(size: int) -> bool:
        # Posts taken in order fill at most half the bytes: the rest is for a long post
        # met further on, which would otherwise wait for the posts ahead of it.
        return flight[0] < jobs * WINDOW_PER_JOB or flight[1] + size <= WINDOW_BYTES // 2

    def fill() -> None:
        """Discover ahead, start the long posts met, and submit in order while there is room."""
        nonlocal queued, discovered
        ahead = max(min(LOOKAHEAD - (len(entries) - queued), LOOKAHEAD_STEP), 0)
        known = len(entries)
        for item in islice(items, ahead):
            work = task(item)
            entry: _Entry[T, R] = _Entry(item, work, _size(work))
            entries.append(entry)
            if entry.size >= LONG_POST:
                long.append(entry)
        if len(entries) - known < ahead:
            discovered = True
        while long and (long[0].submitted or flight[1] + long[0].size <= WINDOW_BYTES):
            if not long[0].submitted and not submit(long[0]):
                break
            long.popleft()
        while queued < len(entries) and (
            entries[queued].submitted or (room(entries[queued].size) and submit(entries[queued]))
        ):
            queued += 1
        if discovered and queued == len(entries):
            workers.finish()  # each stops when it has answered what it was sent

    try:
        while True:
            fill()
            if not entries:
                break
            entry = entries.popleft()
            queued = max(queued - 1, 0)
            while not entry.submitted and not submit(entry):
                workers.receive()  # every worker's pipe is full: wait for one to empty
            while not entry.done:
                workers.receive()
                fill()  # the other workers go on while this post's worker is busy
            if entry.worker >= 0:
                flight[0] -= 1
                flight[1] -= entry.size
                if finish is not None:
                    entry.outcome = finish(entry.item, entry.outcome)
            yield entry.item, entry.outcome
        workers.close()
    finally:
        # Also on Ctrl-C, --strict's first error, or a consumer that stops early.
        workers.stop()


def _size(work: Work | None) -> int:
    path = None if work is None else work[0].path
    if path is None:
        return 0
    try:
        return os.stat(path).st_size
    except OSError:  # the worker reports it, as it would in one process
        return 0


class _Workers(Generic[T, R]):
    """Worker processes, each fed over a pipe of its own and answering in the order fed.

    This process sends and receives on the pipes itself, with no threads: a task is sent
    to the worker with the fewest bytes of posts in hand (see :meth:`submit`), and
    waiting for one result receives every result that is ready, so no worker ever waits
    to send one. A worker is sent no more than :data:`PIPE_ROOM` bytes of tasks it has
    not answered (unless it has none), so a send never waits for a worker that is itself
    waiting to send.
    """

    def __init__(self, connections: list[Connection], processes: list[BaseProcess]) -> None:
        self._connections = connections
        self._processes = processes
        # One poll object for the whole run: multiprocessing's wait() (used where there is
        # no poll) builds and fills a selector on every call. Idle workers are polled too:
        # one that dies before it is sent anything is noticed at once.
        self._poll = select.poll() if hasattr(select, "poll") else None
        self._index = {connection.fileno(): i for i, connection in enumerate(connections)}
        if self._poll is not None:
            for connection in connections:
                self._poll.register(connection, select.POLLIN)
        self._pending: list[deque[_Entry[T, R]]] = [deque() for _ in connections]
        self._unanswered = [0] * len(connections)  # bytes of tasks sent and not answered
        self._load = [0] * len(connections)  # bytes of posts sent and not answered
        self._finished = False  # told to stop

    def submit(self, entry: _Entry[T, R]) -> bool:
        """Send ``entry`` to a worker; ``False`` when none can take it now.

        A long post goes to any worker with room in its pipe; another post only to a
        worker with fewer than :data:`QUEUE` posts in hand and no long one among them.
        """
        task = entry.payload
        if task is None:
            task = entry.payload = pickle.dumps(entry.work, pickle.HIGHEST_PROTOCOL)
        short = entry.size < LONG_POST
        free = [
            index
            for index, pending in enumerate(self._pending)
            if not pending
            or (
                self._unanswered[index] + len(task) <= PIPE_ROOM
                and (not short or (len(pending) < QUEUE and self._load[index] < LONG_POST))
            )
        ]
        if not free:
            return False
        index = min(free, key=lambda i: (self._load[i], len(self._pending[i])))
        try:
            self._connections[index].send_bytes(task)
        except OSError:
            raise self._ended(index, None) from None
        self._pending[index].append(entry)
        self._unanswered[index] += len(task)
        self._load[index] += entry.size
        entry.worker = index
        entry.task = len(task)
        entry.payload = None
        return True

    def receive(self) -> None:
        """Wait for results, and take every one that is in."""
        if self._poll is not None:
            ready = [self._index[fd] for fd, _ in self._poll.poll()]
        else:
            busy = [self._connections[i] for i, pending in enumerate(self._pending) if pending]
            answered = wait(busy)
            ready = [i for i, each in enumerate(self._connections) if each in answered]
        for index in ready:
            connection = self._connections[index]
            if not self._pending[index]:  # readable with nothing asked: the pipe closed
                if not self._finished:
                    raise self._ended(index, None)
                if self._poll is not None:  # it was told to stop, and it did
                    self._poll.unregister(connection)
                continue
            try:
                ok, outcome = pickle.loads(connection.recv_bytes())
            except (EOFError, OSError):  # the pipe closed, or was reset, by its end
                raise self._ended(index, self._pending[index][0]) from None
            if not ok:
                raise outcome
            entry = self._pending[index].popleft()
            self._unanswered[index] -= entry.task
            self._load[index] -= entry.size
            entry.outcome = outcome
            entry.done = True

    def _ended(self, index: int, entry: _Entry[T, R] | None) -> WorkerError:
        process = self._processes[index]
        process.join(1)
        work = None if entry is None else entry.work
        post = "" if work is None else f" while converting {work[0].display}"
        return WorkerError(
            f"a worker process ended unexpectedly (exit status {process.exitcode}){post}"
        )

    def finish(self) -> None:
        """Tell the workers to stop once they have answered every task sent (once)."""
        if not self._finished:
            self._finished = True
            for connection in self._connections:
                with suppress(OSError):
                    connection.send_bytes(_STOP)

    def close(self) -> None:
        """Let the workers finish and wait for them."""
        self.finish()
        for process in self._processes:
            process.join()

    def stop(self) -> None:
        """End the workers still running and release the pipes."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join()
        for connection in self._connections:
            connection.close()


_STOP = pickle.dumps(None)


def _start_workers(jobs: int, setup: Callable[[], Callable[[Work], Any]]) -> _Workers[T, R]:
    context = multiprocessing.get_context()
    connections: list[Connection] = []
    processes: list[BaseProcess] = []
    # What this process has loaded (the tokenizer, above all) is shared with the forked
    # workers until written to. Frozen, the objects are left alone by the workers' garbage
    # collector, which would otherwise write to every one of them and so copy its page.
    gc.freeze()
    # Workers must never see Ctrl-C, not even before they can ignore it: it is blocked
    # while they are forked (they inherit the mask; they ignore it and unblock), and one
    # pressed meanwhile reaches this process when unblocked.
    block = hasattr(signal, "pthread_sigmask")
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        for _ in range(jobs):
            ours, theirs = context.Pipe()
            # A worker closes the pipes of this process it inherits, its own included: when
            # this process ends, however it ends, every worker reads the end of its pipe.
            process = context.Process(
                target=_serve, args=(theirs, setup, [*connections, ours]), daemon=True
            )
            process.start()
            theirs.close()
            connections.append(ours)
            processes.append(process)
    except BaseException:
        _Workers[T, R](connections, processes).stop()
        raise
    finally:
        gc.unfreeze()
        if block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return _Workers(connections, processes)


def _serve(
    connection: Connection,
    setup: Callable[[], Callable[[Work], object]],
    inherited: list[Connection],
) -> None:
    """A worker's life: convert each task sent until told to stop or the pipe closes."""
    # Ctrl-C goes to the whole process group: the parent alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for other in inherited:
        other.close()
    convert = setup()
    while True:
        try:
            work = pickle.loads(connection.recv_bytes())
        except EOFError:
            return
        if work is None:
            return
        try:
            answer = pickle.dumps((True, convert(work)), pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # a bug (a plugin's, say): raised again in the parent
            answer = _failure(error)
        connection.send_bytes(answer)


def _failure(error: Exception) -> bytes:
    try:
        return pickle.dumps((False, error), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle still says what it was
        return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
