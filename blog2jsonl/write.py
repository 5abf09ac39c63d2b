"""Write: put records out as JSON Lines, on standard output or atomically into a file.

A file output is written under a temporary name beside the target and renamed onto it
only when the run finishes, so an interrupted run never leaves a truncated file behind.
A target ending in ``.gz`` is gzip-compressed, with the same bytes for the same records.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import TextIO

from .errors import OptionsError

__all__ = ["dumps_record", "open_output"]

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
    line = json.dumps(
        obj if isinstance(obj, dict) else dict(obj),
        ensure_ascii=False,
        separators=(", ", ": "),
        allow_nan=False,
        default=_mapping_as_dict,
    )
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", line)


def _mapping_as_dict(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
    if target is None or (isinstance(target, str) and target == "-"):
        with _standard_output() as stream:
            yield stream
    else:
        with _replacing_file(os.fspath(target)) as stream:
            yield stream


class _BorrowedText(io.TextIOWrapper):
    """A text layer over bytes that belong to someone else: closing it leaves them open."""

    def close(self) -> None:
        # Without this, collecting the wrapper would close sys.stdout's binary stream.
        pass


@contextmanager
def _standard_output() -> Iterator[TextIO]:
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:
        # A stand-in with no bytes beneath (io.StringIO, say): its encoding is its own.
        try:
            yield stdout
        finally:
            stdout.flush()
        return
    # Text already written through sys.stdout must come out before ours.
    stdout.flush()
    stream = _BorrowedText(buffer, encoding="utf-8", newline="\n", write_through=True)
    try:
        yield stream
    finally:
        stream.flush()


@contextmanager
def _replacing_file(target: str) -> Iterator[TextIO]:
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
            stream = io.TextIOWrapper(
                raw if packed is None else packed, encoding="utf-8", newline="\n"
            )
            try:
                yield stream
                stream.detach()
                if packed is not None:
                    packed.close()  # writes the gzip trailer; raw stays open
                raw.flush()
                os.fsync(raw.fileno())
            except BaseException:
                # Closed here so that collecting it later cannot write to a closed file.
                with suppress(Exception):
                    stream.close()
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
