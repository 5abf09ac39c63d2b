"""Run one command in a fresh subprocess and measure its wall time and peak memory.

The command is started by a small launcher, this file run as a script (``python
measure.py RESULT -- ARGV...``): the launcher times the command from spawn to exit
(``time.perf_counter()``, so interpreter start-up and imports count, as for a user) and
reaps it with ``os.wait4()``, whose ``ru_maxrss`` is the kernel's high-water mark for that
child, the same figure as ``getrusage(RUSAGE_CHILDREN)`` in a process with that one
child. Why a launcher: Linux charges a child, at ``exec``, with the RSS of the address
space it was forked from, so a child of this (large) benchmark process would inherit its
size; a child of the launcher inherits only the launcher's few megabytes.

Peak RSS is the larger of two figures:

- ``ru_maxrss`` from ``os.wait4()``: exact, but of the largest *single* process among the
  command and the descendants it waited for;
- with ``psutil`` installed, the summed PSS (proportional set size) of the command's
  whole process tree, sampled every 50 ms. This is what counts for ``-j 2``, where
  workers run beside the parent and share its pages copy-on-write (the tokenizer's
  tables, loaded once before the workers are forked): PSS charges a page shared by N
  processes 1/N to each, so the sum is the memory the tree really holds, the figure a
  container's memory limit sees. Summed RSS would count each shared page once per
  process.

A single-process command gets the exact kernel figure (sampling can only see less).
POSIX only: ``os.wait4`` and ``killpg`` do not exist on Windows.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measurement", "run"]

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one run cost: seconds, peak bytes, exit status, and what it printed to stderr."""

    wall: float
    peak_rss: int
    returncode: int
    stderr: str
    timed_out: bool = False


class _TreeSampler(threading.Thread):
    """Samples the summed PSS of a process's descendants (not the process) until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self._psutil = psutil
        self._root = psutil.Process(pid)
        self._stop_event = threading.Event()
        self.peak = 0

    def run(self) -> None:
        psutil = self._psutil
        while not self._stop_event.is_set():
            total = 0
            try:
                processes = self._root.children(recursive=True)
            except psutil.Error:
                return
            for process in processes:
                with contextlib.suppress(psutil.Error):  # a worker that just exited
                    # PSS (reading smaps costs the machine time) only where pages are
                    # shared: one process alone is measured exactly by ru_maxrss.
                    memory = process.memory_full_info() if len(processes) > 1 else None
                    total += memory.pss if memory else process.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _maxrss_bytes(maxrss: int) -> int:
    # Linux reports kilobytes, macOS bytes.
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    sample: bool = True,
) -> Measurement:
    """Run ``argv`` through the launcher (stdout discarded); return its :class:`Measurement`.

    The launcher gets its own session, so a timeout stops it and the command with all its
    workers (``SIGKILL`` to that process group, nothing else); ``timed_out`` then says so.
    With ``sample`` false the process tree is not sampled (peak RSS is ``ru_maxrss``
    alone): reading every process's memory map every 50 ms takes a few percent of a core,
    which a command using every core pays for in its time.
    """
    with tempfile.TemporaryDirectory(prefix="measure-") as folder:
        result = Path(folder) / "result.json"
        stderr_path = Path(folder) / "stderr"
        with stderr_path.open("wb") as stderr:
            launcher = subprocess.Popen(
                [sys.executable, "-I", __file__, str(result), "--", *argv],
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
            sampler: _TreeSampler | None = None
            try:
                if sample:
                    sampler = _TreeSampler(launcher.pid)
                    sampler.start()
            except Exception:  # psutil missing (ImportError), or the launcher already gone
                sampler = None
            try:
                launcher.wait(timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
                timed_out = True
            sampled = sampler.stop() if sampler else 0
        text = stderr_path.read_text(encoding="utf-8", errors="replace")
        if timed_out or not result.exists():
            return Measurement(0.0, sampled, launcher.returncode, text, timed_out)
        figures = json.loads(result.read_text(encoding="utf-8"))
    return Measurement(
        wall=figures["wall"],
        peak_rss=max(figures["maxrss"], sampled),
        returncode=figures["returncode"],
        stderr=text,
    )


def _launch(result: str, argv: list[str]) -> int:
    """The launcher: run ``argv``, then write its wall time, ru_maxrss and exit status."""
    start = time.perf_counter()
    child = subprocess.Popen(argv)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    figures = {
        "wall": wall,
        "maxrss": _maxrss_bytes(usage.ru_maxrss),
        "returncode": child.returncode,
    }
    Path(result).write_text(json.dumps(figures), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print("usage: measure.py RESULT -- ARGV...", file=sys.stderr)
        sys.exit(2)
    sys.exit(_launch(sys.argv[1], sys.argv[3:]))
