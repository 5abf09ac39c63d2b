"""Write: put records out as JSON Lines, on standard output or atomically into files.

A file output is written under a temporary name beside the target and renamed onto it
only when the run finishes, so an interrupted run never leaves a truncated file behind.
A target ending in ``.gz`` is gzip-compressed, with the same bytes for the same records.
A run writes one records file, or a training and a validation file, each optionally
with a provenance sidecar aligned line for line; LLaMA-Factory's ``dataset_info.json``
can register them.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Protocol, TextIO, cast

from .errors import OptionsError

if TYPE_CHECKING:
    from .format import FormatOptions
    from .models import JSONValue

__all__ = [
    "OutputPlan",
    "Outputs",
    "Sink",
    "dataset_info_updates",
    "dumps_record",
    "encode_line",
    "open_binary_output",
    "open_output",
    "open_outputs",
    "output_plan",
    "split_names",
    "write_dataset_info",
]

PathArg = str | os.PathLike[str]
DATASET_INFO = "dataset_info.json"

# Characters json.dumps leaves raw with ensure_ascii=False that still break lines for
# some readers: U+2028/U+2029 for JavaScript, U+0085 too for Python's str.splitlines.
# Lone surrogates cannot be encoded as UTF-8 at all, so they are escaped as well.
_UNSAFE = re.compile("[\u0085\u2028\u2029\ud800-\udfff]")


def dumps_record(obj: Mapping[str, object]) -> str:
    """Return ``obj`` as one line of JSON, without the trailing newline.

    Non-ASCII text is kept readable; keys keep their order; characters that some
    readers take for line breaks are escaped, so the result never holds one. Nested
    mappings of any kind are written as objects.

    Raises ``TypeError`` for a value JSON cannot hold and ``ValueError`` for NaN or an
    infinity (which would make the line invalid JSON).
    """
    return _escape_unsafe(_json(obj))


def encode_line(obj: Mapping[str, object]) -> bytes:
    """``obj`` as one line of JSON (see :func:`dumps_record`), newline-terminated UTF-8."""
    line = _json(obj) + "\n"
    try:
        data = line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _escape_unsafe(line).encode("utf-8")
    # Looking for the UTF-8 of U+0085, U+2028 and U+2029 in bytes is quicker than for
    # the characters in the text.
    if b"\xc2\x85" in data or b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data:
        return _escape_unsafe(line).encode("utf-8")
    return data


def _json(obj: Mapping[str, object]) -> str:
    return _ENCODER.encode(obj if isinstance(obj, dict) else dict(obj))


def _escape_unsafe(line: str) -> str:
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", line)


def _mapping_as_dict(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# One encoder for every line: json.dumps builds a new one for each call with options.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(", ", ": "), allow_nan=False, default=_mapping_as_dict
)


class Sink(Protocol):
    """Where encoded lines are written: a binary file, or standard output."""

    def write(self, data: bytes, /) -> int: ...


@contextmanager
def open_output(target: str | os.PathLike[str] | None) -> Iterator[TextIO]:
    """Open where the records go, as a UTF-8 text stream with ``"\\n"`` line endings.

    ``None`` or the string ``"-"`` is standard output, flushed but left open at the end.
    Anything else is a file path (``Path("-")`` is a file named ``-``): the records go to
    a temporary file beside it that replaces the target only when the block ends
    normally; if the block raises anything, KeyboardInterrupt included, the temporary
    file is removed and an existing target is left as it was. A path ending in ``.gz``
    is gzip-compressed, deterministically. A new file gets the mode ``open()`` would
    give it (the umask applies); a replaced file keeps its mode. A symlink target is
    followed, so the link stays a link.

    Raises :class:`OptionsError` before anything is written if the target's folder does
    not exist or cannot be written to, or if the target is a folder.
    """
    with open_binary_output(target) as sink:
        if isinstance(sink, _TextSink):  # a standard output with no bytes beneath
            yield sink.text
            return
        # Standard output is shared with whoever writes after us: nothing waits there.
        shared = target is None or (isinstance(target, str) and target == "-")
        binary = cast("BinaryIO", sink)  # a file, gzip or standard output's bytes
        stream = _BorrowedText(binary, encoding="utf-8", newline="\n", write_through=shared)
        yield stream
        stream.flush()  # not when the block raised: that output is thrown away


@contextmanager
def open_binary_output(target: str | os.PathLike[str] | None) -> Iterator[Sink]:
    """Open where the records go as :func:`open_output` does, for lines already encoded."""
    if target is None or (isinstance(target, str) and target == "-"):
        with _standard_output() as sink:
            yield sink
    else:
        with _replacing_file(os.fspath(target)) as sink:
            yield sink


class _BorrowedText(io.TextIOWrapper):
    """A text layer over bytes that belong to someone else: closing it leaves them open."""

    def close(self) -> None:
        # Without this, collecting the wrapper would close the stream beneath it.
        pass


class _TextSink:
    """Standard output replaced by a text-only stand-in (io.StringIO, say): bytes are
    decoded into it, as its encoding is its own."""

    def __init__(self, text: TextIO) -> None:
        self.text = text

    def write(self, data: bytes, /) -> int:
        self.text.write(data.decode("utf-8"))
        return len(data)


@contextmanager
def _standard_output() -> Iterator[Sink]:
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    sink: Sink = _TextSink(stdout) if buffer is None else buffer
    # Text already written through sys.stdout must come out before ours.
    stdout.flush()
    try:
        yield sink
    finally:
        if buffer is None:
            stdout.flush()
        else:
            buffer.flush()


@contextmanager
def _replacing_file(target: str) -> Iterator[Sink]:
    final = os.path.realpath(target) if os.path.islink(target) else target
    folder = os.path.dirname(final) or os.curdir
    if not os.path.isdir(folder):
        raise OptionsError(f"cannot write {target}: folder {folder} does not exist")
    if os.path.isdir(final):
        raise OptionsError(f"cannot write {target}: it is a folder")
    mode = _mode_for(final)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(final)}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        raise OptionsError(f"cannot write {target}: {error.strerror or error}") from error
    try:
        os.chmod(temporary, mode)
        with open(fd, "wb") as raw:
            packed = None
            if target.lower().endswith(".gz"):
                # No file name and a zero mtime in the header: same records, same bytes.
                packed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            try:
                yield raw if packed is None else packed
                if packed is not None:
                    packed.close()  # writes the gzip trailer; raw stays open
                raw.flush()
                os.fsync(raw.fileno())
            except BaseException:
                if packed is not None:
                    with suppress(Exception):
                        packed.close()
                raise
        os.replace(temporary, final)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # os.umask can only be read by setting it, which races with other threads creating
    # files; Linux shows it in /proc without that.
    try:
        with open("/proc/self/status", encoding="utf-8", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: str) -> None:
    # Makes the rename itself survive a crash; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def split_names(path: PathArg) -> tuple[str, str]:
    """The training and validation file names for ``path``.

    ``out.jsonl`` gives ``out.train.jsonl`` and ``out.val.jsonl``; a ``.json`` or ``.gz``
    ending is kept (``out.jsonl.gz`` gives ``out.train.jsonl.gz``); a name without one
    gets ``.jsonl``.
    """
    name = os.fspath(path)
    base, gz = (name[:-3], name[-3:]) if name.lower().endswith(".gz") else (name, "")
    stem, ext = os.path.splitext(base)
    if ext.lower() not in (".jsonl", ".json"):
        stem, ext = base, ".jsonl"
    return f"{stem}.train{ext}{gz}", f"{stem}.val{ext}{gz}"


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """Where one run writes: ``records`` holds one target, or the training and then the
    validation target (``None`` is standard output); ``metadata`` holds the sidecar of
    each, or nothing."""

    records: tuple[str | None, ...]
    metadata: tuple[str, ...] = ()

    @property
    def split(self) -> bool:
        """True when records go to a training and a validation target."""
        return len(self.records) == 2

    @property
    def files(self) -> tuple[str, ...]:
        """The record targets that are files."""
        return tuple(target for target in self.records if target is not None)


def output_plan(
    out: PathArg | None,
    *,
    validation_out: PathArg | None = None,
    metadata_out: PathArg | None = None,
    split: bool = False,
) -> OutputPlan:
    """Decide the targets of a run (see :class:`OutputPlan`).

    ``out`` ``None`` or ``"-"`` is standard output. When splitting, the training and
    validation files are ``out`` and ``validation_out``, or :func:`split_names` of
    ``out``; sidecars are named from ``metadata_out`` the same way. Raises
    :class:`OptionsError` when a split has no file name to go by, when two targets are
    the same file, or for a validation file without a split.
    """
    main = None if out is None or (isinstance(out, str) and out == "-") else os.fspath(out)
    records: tuple[str | None, ...] = (main,)
    if split:
        if validation_out is not None:
            records = (main, os.fspath(validation_out))
        elif main is None:
            raise OptionsError(
                "a train/validation split writes two files: give -o FILE "
                "(or a validation file name)"
            )
        else:
            records = split_names(main)
    elif validation_out is not None:
        raise OptionsError("a validation file needs a validation ratio")
    metadata: tuple[str, ...] = ()
    if metadata_out is not None:
        sidecar = os.fspath(metadata_out)
        if sidecar == "-":
            raise OptionsError("the metadata sidecar must be a file, not standard output")
        metadata = split_names(sidecar) if split else (sidecar,)
    targets = [target for target in (*records, *metadata) if target is not None]
    real = [os.path.realpath(target) for target in targets]
    for index, path in enumerate(real):
        if path in real[:index]:
            raise OptionsError(f"two outputs would both be written to {targets[index]}")
    return OutputPlan(records, metadata)


class Outputs:
    """The open targets of one run; :meth:`write` sends a record's line where it belongs."""

    def __init__(self, records: Sequence[Sink], metadata: Sequence[Sink]) -> None:
        self._records = records
        self._metadata = metadata

    @property
    def sidecar(self) -> bool:
        """True when records have provenance sidecars."""
        return bool(self._metadata)

    def write(
        self, lines: Sequence[bytes], meta: Sequence[bytes] = (), *, validation: bool = False
    ) -> None:
        """Write records' lines (see :func:`encode_line`) at once, and their provenance
        lines (``{}`` where ``meta`` is empty) to the sidecar when there is one.

        ``validation`` routes them to the validation targets of a split run.
        """
        side = 1 if validation and len(self._records) == 2 else 0
        self._records[side].write(b"".join(lines))
        if self._metadata:
            self._metadata[side].write(b"".join(meta) if meta else b"{}\n" * len(lines))


@contextmanager
def open_outputs(plan: OutputPlan) -> Iterator[Outputs]:
    """Open every target of ``plan`` with :func:`open_binary_output`.

    All of them are renamed into place when the block ends normally and none if it
    raises. Raises :class:`OptionsError` as :func:`open_output` does.
    """
    with ExitStack() as stack:
        records = [stack.enter_context(open_binary_output(target)) for target in plan.records]
        metadata = [stack.enter_context(open_binary_output(target)) for target in plan.metadata]
        yield Outputs(records, metadata)


def dataset_info_updates(
    files: Sequence[str], fmt: FormatOptions
) -> list[tuple[str, dict[str, JSONValue]]]:
    """The ``dataset_info.json`` files to write for ``files``, with their new contents.

    Each file is registered under its file name, in the ``dataset_info.json`` of its
    folder, with the format's ``formatting`` and ``columns``; entries already there are
    kept. Raises :class:`OptionsError` when the format has no LLaMA-Factory entry or an
    existing ``dataset_info.json`` is not a JSON object.
    """
    build = fmt.spec.llama_factory
    if build is None:
        raise OptionsError(f"LLaMA-Factory has no entry for the {fmt.format} format")
    updates: dict[str, dict[str, JSONValue]] = {}
    for file in files:
        info_path = os.path.join(os.path.dirname(file), DATASET_INFO)
        if info_path not in updates:
            updates[info_path] = _read_dataset_info(info_path)
        name = os.path.basename(file)
        entry: dict[str, JSONValue] = {"file_name": name}
        updates[info_path][name] = entry | build(fmt)
    return list(updates.items())


def _read_dataset_info(path: str) -> dict[str, JSONValue]:
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise OptionsError(f"cannot update {path}: {error}") from None
    if not isinstance(data, dict):
        raise OptionsError(f"cannot update {path}: it is not a JSON object")
    return data


def write_dataset_info(updates: Sequence[tuple[str, Mapping[str, JSONValue]]]) -> None:
    """Write each ``dataset_info.json`` of :func:`dataset_info_updates`, atomically."""
    for path, data in updates:
        with open_output(path) as stream:
            stream.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
