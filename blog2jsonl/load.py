"""Load: read a post's bytes, decode them, normalise newlines, split off the front matter.

Decoding is strict: UTF-8 (a BOM is stripped), or UTF-16/UTF-32 when a BOM says so.
Bytes that do not decode are an error naming the line, never silently dropped.
"""

from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path

from .errors import DecodeError, Diagnostic, FrontMatterError, ReadError
from .front_matter import FrontMatterSyntaxError, split_front_matter
from .models import Post, Source

__all__ = ["decode", "load_post", "normalize_newlines", "read_bytes", "source_for"]

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def source_for(path: str | os.PathLike[str]) -> Source:
    """A :class:`Source` for one file named directly (``-`` is standard input)."""
    if str(path) == "-":
        return Source(None, "<stdin>", "-")
    return Source(Path(path), str(path), Path(path).name)


def read_bytes(source: Source) -> bytes:
    """Read the raw bytes of a post (standard input when ``source.path`` is ``None``).

    Raises :class:`ReadError` when the file cannot be read.
    """
    try:
        if source.path is None:
            return sys.stdin.buffer.read()
        # Unbuffered: the file is read whole in one call, so a buffer would only cost.
        with open(source.path, "rb", buffering=0) as file:
            return file.read()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReadError(source.display, 1, f"cannot read: {reason}") from None


def decode(data: bytes, display: str) -> str:
    """Decode a post's bytes to text.

    A UTF-8 BOM is stripped; a UTF-16 or UTF-32 BOM selects that encoding; otherwise the
    bytes must be UTF-8. Raises :class:`DecodeError` naming the line of the first byte
    that does not decode, or when the data holds NUL bytes (a binary file).
    """
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom) :]
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, errors="replace")
        line = normalize_newlines(before).count("\n") + 1
        bad = data[error.start : error.start + 1].hex().upper()
        label = "UTF-8" if encoding == "utf-8" else encoding.upper()
        message = f"not valid {label} (byte 0x{bad} at offset {error.start}); re-save it as UTF-8"
        raise DecodeError(display, line, message) from None
    # In UTF-8 a zero byte is a NUL and nothing else, and bytes are quicker to search
    # than text (which takes 2 or 4 bytes a character once it holds non-Latin-1 ones).
    nul = text.find("\0") if encoding != "utf-8" or b"\0" in data else -1
    if nul >= 0:
        line = normalize_newlines(text[:nul]).count("\n") + 1
        raise DecodeError(display, line, "contains NUL characters: not a text file")
    return text


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF. Other line separators (U+2028...) are text."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_post(source: Source | str | os.PathLike[str]) -> Post:
    """Read, decode and split one post into front matter and body.

    Takes a :class:`Source` or a path (``-`` for standard input). Returns a
    :class:`Post` whose metadata is JSON-safe. Raises a :class:`PostError` subclass
    (:class:`ReadError`, :class:`DecodeError`, :class:`FrontMatterError`) that names
    the path and line.
    """
    if not isinstance(source, Source):
        source = source_for(source)
    text = normalize_newlines(decode(read_bytes(source), source.display))
    try:
        front = split_front_matter(text)
    except FrontMatterSyntaxError as error:
        raise FrontMatterError(source.display, error.line, error.message) from None
    warnings: tuple[Diagnostic, ...] = ()
    if front.warning is not None:
        line, message = front.warning
        warnings = (Diagnostic(source.display, line, message),)
    return Post(
        source=source,
        body=front.body,
        body_line=front.body_line,
        metadata=front.metadata,
        front_matter=front.kind,
        title=front.title,
        warnings=warnings,
    )
