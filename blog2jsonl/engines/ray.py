"""The Ray engine: convert posts on a Ray cluster with Ray Data, into JSONL or Parquet shards.

Discovery runs in the calling process, exactly as in the local engine: a folder of posts,
or a Hexo, Hugo or Jekyll site. The posts to convert become a Ray dataset of their paths
(``ray.data.from_items``), and ``map_batches`` hands them to a pool of actors, each of
which builds the chunker (and its tokenizer) once and converts posts with
:func:`~blog2jsonl.pipeline.convert_post`, the local engine's own code. A post that
fails comes back as a row (path, line, message); it never fails the job.

Rows stream back to the caller, which takes them in discovery order: it reports
diagnostics, drops duplicate records as the local engine does, and cuts the records into
``part-00000.jsonl``, ``part-00001.jsonl``... (or ``.parquet``). The same input therefore
gives the same shards, byte for byte, and their lines are the local engine's lines.

Why paths and not ``ray.data.read_binary_files``: both work offline, but a path keeps the
:class:`~blog2jsonl.models.Source` that discovery made (the name in messages and in
``meta.source``; ``read_binary_files`` hands back only the path it read, to be matched
back), lets ``convert_post`` read the file itself with the local engine's messages for
unreadable or undecodable files, and does not ship every post's bytes through the object
store before a worker sees them. The cost: every worker must see the input paths, so a
cluster of several machines needs them on a shared file system.

Not done here: a train/validation split (``val_ratio`` is refused) and standard input.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dedupe import Deduplicator, digest
from ..discover import Skipped
from ..errors import Diagnostic, OptionsError, PostError
from ..format import format_record
from ..models import Chunk, JSONValue, Source

# With the local engine's own discovery, default reporter and token encoding, so that the
# two engines read the same posts, say the same things and count the same tokens.
from ..pipeline import (
    Options,
    Reporter,
    Summary,
    convert_post,
    discover_inputs,
    log_diagnostic,
    open_input,
    token_encoding_for,
)
from ..tokenizer import count_tokens
from ..write import dumps_record

if TYPE_CHECKING:
    from ..sites import Entry, SiteReader

__all__ = [
    "MISSING_EXTRA",
    "OUTPUT_FORMATS",
    "RECORDS_PER_SHARD",
    "RaySummary",
    "convert_with_ray",
]

PathArg = str | os.PathLike[str]

#: What ``output_format`` takes.
OUTPUT_FORMATS = ("jsonl", "parquet")
#: Records per shard unless told otherwise.
RECORDS_PER_SHARD = 10_000
#: The message of the :class:`OptionsError` raised when Ray is not installed.
MISSING_EXTRA = "the Ray engine needs the ray extra: pip install 'blog2jsonl[ray]'"

# Seconds to wait for a Ray cluster's address to answer.
_CONNECT_TIMEOUT = 10
# The shards a run writes, and replaces when run again into the same folder.
_SHARD = re.compile(r"part-\d{5,}\.(?:jsonl|parquet)")


@dataclass
class RaySummary(Summary):
    """Counts for one Ray run, as :class:`~blog2jsonl.pipeline.Summary` has them, and more.

    ``failures`` are the posts that could not be converted (path, line, message: the
    line is ``None`` when the failure was not in the post itself); ``shards`` are the
    files written, in order (also in ``outputs``).
    """

    out_dir: str = ""
    output_format: str = "jsonl"
    shards: list[str] = field(default_factory=list)
    failures: list[Diagnostic] = field(default_factory=list)

    @property
    def posts(self) -> int:
        """The posts that gave records."""
        return self.converted

    def lines(self) -> list[str]:
        """The summary as lines of text, the shards written last."""
        count = len(self.shards)
        noun = "shard" if count == 1 else "shards"
        return [*super().lines(), f"{count} {self.output_format} {noun} in {self.out_dir}"]


def convert_with_ray(
    paths: Iterable[PathArg],
    out_dir: PathArg,
    options: Options | None = None,
    *,
    address: str | None = None,
    output_format: str = "jsonl",
    report: Reporter | None = None,
    records_per_shard: int = RECORDS_PER_SHARD,
    workers: int | None = None,
) -> RaySummary:
    """Convert the posts under ``paths`` on Ray into shards in the folder ``out_dir``.

    Takes the inputs and :class:`~blog2jsonl.pipeline.Options` of the local engine.
    ``address`` is the Ray cluster to use (``None``: the one this process already
    joined, else a new local one, or ``RAY_ADDRESS``'s); a Ray started here is shut
    down on return. ``output_format`` is ``jsonl`` (each line exactly the local
    engine's) or ``parquet`` (a column per top-level key; ``meta`` as JSON text, since
    its keys vary from post to post). ``records_per_shard`` records go to each of
    ``part-00000.<format>``, ``part-00001.<format>``..., in discovery order; shards of
    an earlier run in ``out_dir`` are replaced, all at the end of the run, and an
    interrupted run leaves none of its own. ``workers`` is the number of actors
    (default: the cluster's CPUs). Diagnostics go to ``report`` as the local engine
    words them (default: the ``blog2jsonl`` logger). Duplicate records are dropped
    as the local engine drops them, unless ``options.dedupe`` is off.

    Returns a :class:`RaySummary`. Raises :class:`OptionsError` when Ray is not
    installed (:data:`MISSING_EXTRA`), for bad options, for ``val_ratio`` (not
    supported), for standard input, for an ``out_dir`` that cannot be written, when
    ``address`` cannot be reached, and for Parquet records whose keys vary; with
    ``options.strict``, the first failed post's :class:`PostError` (nothing written).
    """
    options = options or Options()
    _check_arguments(options, output_format, records_per_shard, workers)
    ray = _import_ray()
    paths = tuple(paths)
    site = open_input(paths, options)
    options.make_chunker()  # bad chunker options fail here, before Ray starts
    inputs = list(discover_inputs(paths, options, site))
    jobs, entries = _jobs(inputs)
    summary = RaySummary(
        token_encoding=token_encoding_for(options),
        out_dir=os.fspath(out_dir),
        output_format=output_format,
    )
    if site is not None:
        summary.site = f"{site.name} site (from {site.reason})"
    # Ray is shut down before the shards are moved into place.
    with (
        _shards(summary.out_dir, output_format, records_per_shard) as shards,
        _connected(ray, address),
    ):
        rows = _convert_remotely(ray, jobs, options, site, entries, workers)
        try:
            _collect(inputs, rows, options, report or log_diagnostic, summary, shards)
        finally:
            rows.close()
    summary.shards = list(shards.published)
    summary.outputs = list(shards.published)
    return summary


def _jobs(
    inputs: Sequence[tuple[Source | Skipped, Entry | None]],
) -> tuple[list[dict[str, object]], dict[int, Entry]]:
    """The posts for the workers to convert, by index in ``inputs``, and their site entries.

    Raises :class:`OptionsError` for standard input.
    """
    jobs: list[dict[str, object]] = []
    entries: dict[int, Entry] = {}
    for index, (item, entry) in enumerate(inputs):
        if not isinstance(item, Source) or (entry is not None and entry.skip is not None):
            continue  # taken care of here: see _collect
        if item.path is None:
            raise OptionsError(
                "the Ray engine reads files, not standard input: convert '-' without it"
            )
        # Absolute, so that a worker started elsewhere than here reads the same file.
        path = os.path.abspath(item.path)
        jobs.append({"index": index, "path": path, "display": item.display, "name": item.name})
        if entry is not None:
            entries[index] = entry
    return jobs, entries


def _check_arguments(
    options: Options, output_format: str, records_per_shard: int, workers: int | None
) -> None:
    if output_format not in OUTPUT_FORMATS:
        raise OptionsError(
            f"unknown output format {output_format!r}: choose {' or '.join(OUTPUT_FORMATS)}"
        )
    if options.val_ratio:
        raise OptionsError(
            "the Ray engine does not split into training and validation sets: "
            "drop the validation ratio, or convert without Ray"
        )
    if records_per_shard < 1:
        raise OptionsError(f"records per shard must be at least 1, not {records_per_shard}")
    if workers is not None and workers < 1:
        raise OptionsError(f"the Ray engine needs at least 1 worker, not {workers}")


def _import_ray() -> Any:
    """The ``ray`` module with Ray Data loaded; :class:`OptionsError` without the extra."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise OptionsError(MISSING_EXTRA) from None
    return ray


@contextmanager
def _connected(ray: Any, address: str | None) -> Iterator[None]:
    """Join the Ray cluster at ``address`` for the block, unless this process already has."""
    if address is not None:
        _check_reachable(address)
    if ray.is_initialized():
        yield
        return
    # blog2jsonl works offline: a Ray it starts does not report usage, unless asked to.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(address=address)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = f"at {address}" if address else "here"
        # Ray's own words on why (a missing authentication token, say) are in the cause.
        cause = str(error.__cause__ or "").strip().partition("\n")[0]
        reason = f"{error} ({cause})" if cause else str(error)
        raise OptionsError(f"cannot start or join a Ray cluster {where}: {reason}") from None
    try:
        yield
    finally:
        ray.shutdown()


def _check_reachable(address: str) -> None:
    """Raise :class:`OptionsError` unless something listens at a ``[ray://]host:port``.

    Ray itself retries an unreachable address for minutes on end; other addresses
    (``auto``, ``local``) are left to Ray.
    """
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=_CONNECT_TIMEOUT):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise OptionsError(f"cannot reach a Ray cluster at {address}: {reason}") from None


# --- on the workers


@dataclass(frozen=True, slots=True)
class _Row:
    """What a worker says of one post: its JSONL lines, or why there are none.

    ``digests`` are the records' dedupe digests (made where the texts are, so that only
    eight bytes a record travel for dedupe), ``characters`` and ``tokens`` their sizes
    (for the summary), all in the order of ``lines``.
    """

    index: int
    status: str
    reason: str | None = None
    line: int | None = None
    message: str | None = None
    lines: Sequence[str] = ()
    digests: Sequence[int] = ()
    characters: Sequence[int] = ()
    tokens: Sequence[int] = ()
    warnings: tuple[Diagnostic, ...] = ()


def _row_schema() -> Any:
    import pyarrow as pa

    warning = pa.struct(
        [
            ("path", pa.string()),
            ("line", pa.int64()),
            ("message", pa.string()),
            ("severity", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("index", pa.int64()),
            ("status", pa.string()),
            ("reason", pa.string()),
            ("line", pa.int64()),
            ("message", pa.string()),
            ("lines", pa.list_(pa.string())),
            ("digests", pa.list_(pa.uint64())),
            ("characters", pa.list_(pa.int64())),
            ("tokens", pa.list_(pa.int64())),
            ("warnings", pa.list_(warning)),
        ]
    )


class _Converter:
    """The ``map_batches`` callable: one per actor, so the chunker is built once per worker.

    Takes batches of ``{index, path, display, name}`` rows as Arrow tables and returns a
    table of :class:`_Row` columns, one row per post, whatever became of it.
    """

    def __init__(
        self,
        options: Options,
        site: SiteReader | None,
        entries: Mapping[int, Entry],
        cwd: str,
    ) -> None:
        # A site reader may read files below its root, given relative to the caller's
        # folder: resolve them from there too (on a node that lacks it, as best we can).
        with suppress(OSError):
            os.chdir(cwd)
        self._options = options
        self._format = options.format_options
        self._chunker = options.make_chunker()
        self._encoding = token_encoding_for(options)
        self._site = site
        self._entries = entries
        self._schema = _row_schema()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = [self._convert(job) for job in batch.to_pylist()]
        return pa.Table.from_pylist(rows, schema=self._schema)

    def _convert(self, job: Mapping[str, Any]) -> dict[str, object]:
        index: int = job["index"]
        source = Source(Path(job["path"]), job["display"], job["name"])
        entry = self._entries.get(index)
        judge = None if self._site is None or entry is None else partial(self._site.judge, entry)
        try:
            result = convert_post(source, self._options, self._chunker, judge)
            lines = [dumps_record(format_record(record, self._format)) for record in result.records]
            tokens = [self._tokens(chunk) for chunk in result.chunks]
        except Exception as error:
            # A bug or a plugin's exception costs this post, not the job.
            message = f"cannot convert: {type(error).__name__}: {error}"
            return {"index": index, "status": "failed", "message": message}
        warnings = [
            {"path": w.path, "line": w.line, "message": w.message, "severity": w.severity}
            for w in result.warnings
        ]
        if result.error is not None:
            error_at = {"line": result.error.line, "message": result.error.message}
            return {"index": index, "status": "failed", "warnings": warnings} | error_at
        return {
            "index": index,
            "status": result.status,
            "reason": result.reason,
            "lines": lines,
            "digests": [digest(record.completion) for record in result.records]
            if self._options.dedupe
            else [],
            "characters": [len(chunk.text) for chunk in result.chunks],
            "tokens": tokens,
            "warnings": warnings,
        }

    def _tokens(self, chunk: Chunk) -> int:
        if chunk.tokens is not None:
            return chunk.tokens
        return count_tokens(chunk.text, self._encoding)


def _row(values: Mapping[str, Any]) -> _Row:
    warnings = tuple(
        Diagnostic(w["path"], w["line"], w["message"], w["severity"])
        for w in values["warnings"] or ()
    )
    return _Row(
        index=values["index"],
        status=values["status"],
        reason=values["reason"],
        line=values["line"],
        message=values["message"],
        lines=values["lines"] or (),
        digests=values["digests"] or (),
        characters=values["characters"] or (),
        tokens=values["tokens"] or (),
        warnings=warnings,
    )


def _convert_remotely(
    ray: Any,
    jobs: Sequence[Mapping[str, object]],
    options: Options,
    site: SiteReader | None,
    entries: Mapping[int, Entry],
    workers: int | None,
) -> Generator[_Row, None, None]:
    """Convert ``jobs`` on the cluster; yields their rows as they come, in any order."""
    if not jobs:
        return
    size = min(len(jobs), workers or max(1, int(ray.cluster_resources().get("CPU", 1))))
    # Small batches while there are few posts, so that every actor gets some.
    batch_size = max(1, min(32, len(jobs) // (size * 4)))
    dataset = ray.data.from_items(list(jobs)).map_batches(
        _Converter,
        fn_constructor_kwargs={
            "options": options,
            "site": site,
            "entries": dict(entries),
            "cwd": os.getcwd(),
        },
        compute=ray.data.ActorPoolStrategy(size=size),
        batch_size=batch_size,
        batch_format="pyarrow",
    )
    for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
        for values in table.to_pylist():
            yield _row(values)


# --- back here


def _collect(
    inputs: Sequence[tuple[Source | Skipped, Entry | None]],
    rows: Iterator[_Row],
    options: Options,
    report: Reporter,
    summary: RaySummary,
    shards: _Shards,
) -> None:
    """Take every input's outcome in discovery order, as the local engine does."""
    dedupe = Deduplicator() if options.dedupe else None
    arrived: dict[int, _Row] = {}
    for index, (item, entry) in enumerate(inputs):
        if isinstance(item, Skipped):
            report(Diagnostic(item.display, None, item.message, "note"))
            summary.skipped[item.reason] += 1
            continue
        if entry is not None and entry.skip is not None:
            summary.skipped[entry.skip] += 1
            continue
        while index not in arrived:
            row = next(rows, None)
            if row is None:
                raise RuntimeError(f"the Ray job ended without a result for {item.display}")
            arrived[row.index] = row
        _take(arrived.pop(index), item.display, options, report, summary, shards, dedupe)


def _take(
    row: _Row,
    display: str,
    options: Options,
    report: Reporter,
    summary: RaySummary,
    shards: _Shards,
    dedupe: Deduplicator | None,
) -> None:
    summary.read += 1
    for warning in row.warnings:
        report(warning)
    if row.status == "failed":
        message = row.message or "failed"
        if options.strict:
            raise PostError(display, row.line or 1, message)
        failure = Diagnostic(display, row.line, message, "error")
        report(failure)
        summary.failures.append(failure)
        summary.failed += 1
        return
    if row.status == "skipped":
        summary.skipped[row.reason or "unknown"] += 1
        return
    kept: Sequence[int] = range(len(row.lines))
    if dedupe is not None and row.lines:
        verdict = dedupe.keep_digests(display, row.digests)
        summary.duplicates += verdict.dropped
        if not verdict.indices:
            # Worded as the local engine words it.
            copy = verdict.copy_of
            why = f"same text as {copy}" if copy else "every part repeats earlier posts"
            report(Diagnostic(display, None, f"skipped: {why}", "note"))
            summary.skipped["duplicate"] += 1
            return
        kept = verdict.indices
    summary.converted += 1
    for position in kept:
        shards.write(row.lines[position])
        summary.records += 1
        summary.characters += row.characters[position]
        summary.tokens += row.tokens[position]


# --- the shards


class _Shards:
    """Record lines cut into numbered shards of ``size`` records, written into ``folder``."""

    def __init__(self, folder: str, output_format: str, size: int) -> None:
        self.folder = folder
        self.names: list[str] = []
        self.published: list[str] = []
        self._format = output_format
        self._size = size
        self._pending: list[str] = []
        self._schema: Any = None

    def write(self, line: str) -> None:
        """Add one record's JSON line; a full shard is written at once."""
        self._pending.append(line)
        if len(self._pending) >= self._size:
            self.flush()

    def flush(self) -> None:
        """Write the records not yet written as the next shard, if there are any."""
        if not self._pending:
            return
        name = f"part-{len(self.names):05d}.{self._format}"
        path = os.path.join(self.folder, name)
        if self._format == "parquet":
            self._write_parquet(path, self._pending)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(line + "\n" for line in self._pending)
        self.names.append(name)
        self._pending = []

    def _write_parquet(self, path: str, lines: Sequence[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = [_parquet_row(json.loads(line)) for line in lines]
        columns = set(self._schema.names if self._schema is not None else rows[0])
        for row in rows:
            if set(row) != columns:
                raise OptionsError(
                    "Parquet needs the same keys in every record, but the format gives "
                    f"{sorted(row)} and {sorted(columns)}: write JSONL instead"
                )
        table = pa.Table.from_pylist(rows, schema=self._schema)
        self._schema = table.schema
        pq.write_table(table, path)


def _parquet_row(record: dict[str, JSONValue]) -> dict[str, JSONValue]:
    meta = record.get("meta")
    if isinstance(meta, dict):
        record["meta"] = dumps_record(meta)
    return record


@contextmanager
def _shards(out_dir: str, output_format: str, size: int) -> Iterator[_Shards]:
    """Shards written in a hidden folder in ``out_dir``, moved into it if the block ends well.

    The earlier run's shards are removed then; on an exception nothing is moved or
    removed. Raises :class:`OptionsError` when ``out_dir`` cannot be made or written.
    """
    try:
        os.makedirs(out_dir, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".blog2jsonl-", dir=out_dir)
    except OSError as error:
        raise OptionsError(f"cannot write to {out_dir}: {error.strerror or error}") from None
    try:
        shards = _Shards(staging, output_format, size)
        yield shards
        shards.flush()
        for name in sorted(os.listdir(out_dir)):
            if _SHARD.fullmatch(name):
                os.remove(os.path.join(out_dir, name))
        for name in shards.names:
            os.replace(os.path.join(staging, name), os.path.join(out_dir, name))
            shards.published.append(os.path.join(out_dir, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
