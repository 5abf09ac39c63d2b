"""Discover: turn the inputs of a run into the posts to read, in a stable order.

An input is ``"-"`` (standard input), a file (taken whatever its extension) or a folder
(walked for files with a Markdown extension). Anything passed over is reported as a
:class:`Skipped` item in the stream rather than raised, so that one odd entry never
stops a run.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import OptionsError
from .models import Source

__all__ = ["DEFAULT_EXTENSIONS", "STDIN", "Skipped", "iter_sources"]

DEFAULT_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".mkdn")
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input path passed over, with why.

    ``reason`` is a short slug (``"not a file"``, ``"broken symlink"``, ``"outside
    root"``, ``"symlinked directory"``, ``"unreadable directory"``, ``"no such file"``);
    ``message`` is a sentence for people.
    """

    display: str
    reason: str
    message: str


def iter_sources(
    inputs: Iterable[str | os.PathLike[str]],
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
) -> Iterator[Source | Skipped]:
    """Yield the posts named by ``inputs``, and the paths passed over, in a stable order.

    Inputs are taken in the order given. The string ``"-"`` stands for standard input
    (a ``Source`` whose ``path`` is ``None``); a ``Path("-")`` is a file named ``-``. A
    file is yielded whatever its extension. A folder is walked depth first, entries
    sorted by name at each level, yielding the files whose name ends with one of
    ``extensions`` (case-insensitive; with or without the leading dot). Hidden entries
    (names starting with ``.``) are left out silently; symlinked folders are not
    followed; symlinks leading outside the folder given are not read.

    The walk is lazy: a folder is listed only when the walk reaches it.

    Raises :class:`OptionsError` at once if an extension is empty.
    """
    suffixes = _normalise_extensions(extensions)
    return _iter_sources(inputs, suffixes)


def _normalise_extensions(extensions: Iterable[str]) -> tuple[str, ...]:
    # A lone string is one extension, not a sequence of one-letter ones.
    given = (extensions,) if isinstance(extensions, str) else tuple(extensions)
    suffixes: list[str] = []
    for extension in given:
        if not extension.lstrip("."):
            raise OptionsError(f"empty file extension: {extension!r}")
        suffix = ("" if extension.startswith(".") else ".") + extension
        if suffix.casefold() not in suffixes:
            suffixes.append(suffix.casefold())
    return tuple(suffixes)


def _iter_sources(
    inputs: Iterable[str | os.PathLike[str]], suffixes: tuple[str, ...]
) -> Iterator[Source | Skipped]:
    for given in inputs:
        if isinstance(given, str) and given == STDIN:
            yield Source(path=None, display="<stdin>", name=STDIN)
        else:
            yield from _from_argument(os.fsdecode(given), suffixes)


def _from_argument(argument: str, suffixes: tuple[str, ...]) -> Iterator[Source | Skipped]:
    display = _printable(argument)
    try:
        status = os.stat(argument)
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(argument):
            yield Skipped(display, "broken symlink", "skipped: broken symlink")
        else:
            yield Skipped(display, "no such file", "skipped: no such file or directory")
        return
    except OSError:
        if os.path.islink(argument):  # a symlink loop, say
            yield Skipped(display, "broken symlink", "skipped: broken symlink")
        else:
            # Named explicitly yet unreadable (permission denied, say): the loader reports
            # it as a located error, which tells the user more than a skip would.
            yield Source(Path(argument), display, _printable(os.path.basename(argument)))
        return
    if stat.S_ISDIR(status.st_mode):
        yield from _walk(argument, suffixes)
    elif stat.S_ISREG(status.st_mode):
        yield Source(Path(argument), display, _printable(os.path.basename(argument)))
    else:
        yield Skipped(display, "not a file", "skipped: not a regular file")


def _walk(root: str, suffixes: tuple[str, ...]) -> Iterator[Source | Skipped]:
    root_real = os.path.realpath(root)
    listing = _list_directory(root)
    if isinstance(listing, OSError):
        yield _unreadable(root, listing)
        return
    # An explicit stack of (relative folder, its remaining entries) rather than recursion,
    # so that a deep tree cannot reach the recursion limit.
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", iter(listing))]
    while stack:
        folder, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        # entry.path is os.path.join(root as given, relative path): the display we want.
        display = _printable(entry.path)
        name = folder + entry.name
        matches = entry.name.casefold().endswith(suffixes)
        if entry.is_symlink():
            yield from _symlink(entry, display, name, matches, root_real)
        elif entry.is_dir(follow_symlinks=False):
            if matches:
                yield Skipped(
                    display,
                    "not a file",
                    "skipped: a directory, not a post (the posts inside it are still read)",
                )
            listing = _list_directory(entry.path)
            if isinstance(listing, OSError):
                yield _unreadable(entry.path, listing)
            else:
                stack.append((name + "/", iter(listing)))
        elif matches:
            if entry.is_file(follow_symlinks=False):
                yield Source(Path(entry.path), display, _printable(name))
            else:
                yield Skipped(display, "not a file", "skipped: not a regular file")


def _symlink(
    entry: os.DirEntry[str], display: str, name: str, matches: bool, root_real: str
) -> Iterator[Source | Skipped]:
    try:
        status = entry.stat()
    except OSError:
        # Only a link that looks like a post is worth a word: a dangling favicon is not.
        if matches:
            yield Skipped(display, "broken symlink", "skipped: broken symlink")
        return
    is_dir = stat.S_ISDIR(status.st_mode)
    if not (is_dir or matches):
        return
    target = os.path.realpath(entry.path)
    if os.path.commonpath((target, root_real)) != root_real:
        yield Skipped(
            display,
            "outside root",
            f"skipped: symlink leads outside {_printable(root_real)}",
        )
    elif is_dir:
        # Following it could loop, or read the same posts twice under two names.
        yield Skipped(display, "symlinked directory", "skipped: symlinked directory, not followed")
    elif stat.S_ISREG(status.st_mode):
        yield Source(Path(entry.path), display, _printable(name))
    else:
        yield Skipped(display, "not a file", "skipped: symlink to something not a regular file")


def _list_directory(path: str) -> list[os.DirEntry[str]] | OSError:
    # One level at a time, sorted here so the order does not depend on the file system.
    try:
        with os.scandir(path) as scan:
            entries = list(scan)
    except OSError as error:
        return error
    entries.sort(key=lambda entry: entry.name)
    return entries


def _unreadable(path: str, error: OSError) -> Skipped:
    reason = error.strerror or type(error).__name__
    return Skipped(
        _printable(path), "unreadable directory", f"skipped: cannot list directory ({reason})"
    )


def _printable(text: str) -> str:
    """``text`` with undecodable file-name bytes (lone surrogates) replaced by U+FFFD."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # Surrogates that are not escaped bytes: nothing to recover, only to replace.
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")
