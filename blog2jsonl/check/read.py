"""Read: any training file in, raw rows out, one at a time, whatever is wrong with it.

A :class:`Row` is one example as written (a parsed JSON value, or a ``dict`` of strings
for a spreadsheet row) with the line it starts on, or a :class:`~.model.Finding` saying
why that part of the file could not be read. Nothing here raises for bad input: a file
that cannot be opened, a corrupt archive or a missing optional reader each become one
file-level finding (one with no lines), so that a check always reaches its report.

The reader is chosen by the file's name: ``.json`` (an array of examples), ``.csv``,
``.tsv``/``.tab``, ``.xlsx``; anything else is JSON Lines, gzip-compressed when the name
ends in ``.gz``.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from .model import Finding

__all__ = ["UNREADABLE", "Row", "file_kind", "iter_rows"]

#: The category of a file-level finding for a file that cannot be read at all (missing,
#: unreadable, a corrupt archive, no xlsx reader installed). It is not in
#: :data:`~.model.CATEGORIES`, which lists what can be wrong *inside* a training file.
UNREADABLE: Final = "unreadable"  # a category of model.CATEGORIES

_BOM: Final = b"\xef\xbb\xbf"
# csv refuses cells over 128 KiB by default; a long completion is bigger than that.
# 2**31 - 1 because the limit is a C long, which is 32 bits on Windows.
_CSV_FIELD_LIMIT: Final = 2**31 - 1
_JSON_WHITESPACE: Final = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Row:
    """One example as read from ``file`` (its display path), starting at ``line`` (1-based).

    Exactly one of ``value`` and ``finding`` is meaningful: ``finding`` is ``None`` for a
    row that was read, and then ``value`` is what it holds (any JSON value for JSON and
    JSON Lines, a ``dict[str, str]`` for CSV, TSV and xlsx). A finding with no lines
    concerns the whole file, and ``line`` is then 0.
    """

    file: str
    line: int
    value: object = None
    finding: Finding | None = None


def file_kind(path: str | os.PathLike[str]) -> str:
    """Return which reader :func:`iter_rows` uses for ``path``, judged by its name.

    One of ``"json"``, ``"csv"``, ``"tsv"``, ``"xlsx"`` or ``"jsonl"`` (anything else,
    compressed or not).
    """
    name = os.fspath(path).lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    if name.endswith(".xlsx"):
        return "xlsx"
    return "jsonl"


def iter_rows(path: str | os.PathLike[str]) -> Iterator[Row]:
    """Yield the rows of the training file at ``path``, in file order.

    Blank lines and empty spreadsheet rows are skipped (though counted for line
    numbers). A row that cannot be read is yielded as a finding (``invalid-utf8``,
    ``not-json``, ``missing-keys`` or ``extra-keys`` for a CSV row with too few or too
    many cells); a file that cannot be read at all, or stops being readable, yields a
    file-level finding in the :data:`UNREADABLE` category. Never raises for bad input.
    """
    display = os.fspath(path)
    kind = file_kind(display)
    if kind == "xlsx":
        yield from _xlsx_rows(display)
        return
    try:
        opened = _open(display)
    except OSError as error:
        yield _unreadable(display, error)
        return
    with opened as stream:
        try:
            if kind == "json":
                yield from _json_rows(display, stream)
            elif kind in ("csv", "tsv"):
                yield from _csv_rows(display, stream, "\t" if kind == "tsv" else ",")
            else:
                yield from _jsonl_rows(display, stream)
        # A truncated or corrupt gzip stream fails part-way, as EOFError or zlib.error.
        except (OSError, EOFError, zlib.error) as error:
            yield _unreadable(display, error)


def _open(path: str) -> io.BufferedIOBase:
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _unreadable(path: str, error: BaseException | str) -> Row:
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror
    else:
        reason = str(error) or type(error).__name__
    return Row(path, 0, finding=Finding("error", UNREADABLE, f"cannot read: {reason}", path))


def _row_error(path: str, line: int, category: str, message: str) -> Row:
    return Row(path, line, finding=Finding("error", category, message, path, (line,)))


# JSON Lines


def _jsonl_rows(path: str, stream: Iterable[bytes], first_line: int = 1) -> Iterator[Row]:
    for number, raw in enumerate(stream, first_line):
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield _row_error(path, number, "invalid-utf8", _utf8_message(error))
            continue
        if not text.strip():
            continue
        # Without its line break, a line's error column points into the line.
        yield _parse_json_line(path, number, text.rstrip("\r\n"))


def _parse_json_line(path: str, line: int, text: str) -> Row:
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        return _row_error(path, line, "not-json", f"not JSON: {error.msg} (column {error.colno})")
    # ValueError: NaN and friends (below), or an integer too long for int(); both are
    # JSON no trainer takes. RecursionError: nesting deeper than Python's stack.
    except (ValueError, RecursionError) as error:
        return _row_error(path, line, "not-json", f"not JSON: {_short(error)}")
    return Row(path, line, value)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _utf8_message(error: UnicodeDecodeError) -> str:
    return f"not valid UTF-8 (byte 0x{error.object[error.start]:02x} at column {error.start + 1})"


def _short(error: BaseException) -> str:
    return str(error).partition("\n")[0] or type(error).__name__


# JSON: one array of examples


def _json_rows(path: str, stream: io.BufferedIOBase) -> Iterator[Row]:
    # A JSON array cannot be parsed piece by piece with the standard library, so the
    # whole file is read; each element is then decoded on its own to know its line.
    data = stream.read()
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        yield _row_error(path, line, "invalid-utf8", _utf8_message(error))
        return
    start = _skip_whitespace(text, 0)
    if start == len(text):
        return
    if text[start] == "[":
        yield from _array_rows(path, text, start)
        return
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    try:
        value, end = decoder.raw_decode(text, start)
    except (ValueError, RecursionError):
        value, end = None, -1
    if end != -1 and _skip_whitespace(text, end) == len(text):
        line = text.count("\n", 0, start) + 1
        yield _row_error(
            path,
            line,
            "not-json",
            f"expected an array of examples, found {_json_type(value)} "
            "(a file of one example per line should be named .jsonl)",
        )
        return
    # Several top-level values, or a broken first one: a JSON Lines file by another name.
    yield from _jsonl_rows(path, io.BytesIO(data))


def _array_rows(path: str, text: str, start: int) -> Iterator[Row]:
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    lines = _LineCounter(text)
    position = _skip_whitespace(text, start + 1)
    if not text.startswith("]", position):
        while True:
            element_line = lines.at(position)
            try:
                value, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                message = f"not JSON: {error.msg} (column {error.colno})"
                yield _row_error(path, lines.at(error.pos), "not-json", message)
                return
            except (ValueError, RecursionError) as error:
                yield _row_error(path, element_line, "not-json", f"not JSON: {_short(error)}")
                return
            yield Row(path, element_line, value)
            position = _skip_whitespace(text, end)
            if text.startswith(",", position):
                position = _skip_whitespace(text, position + 1)
            elif text.startswith("]", position):
                break
            else:
                found = "the end of the file" if position == len(text) else repr(text[position])
                message = f"not JSON: expected ',' or ']' after the element, found {found}"
                yield _row_error(path, lines.at(position), "not-json", message)
                return
    position = _skip_whitespace(text, position + 1)
    if position < len(text):
        message = "not JSON: more text after the end of the array"
        yield _row_error(path, lines.at(position), "not-json", message)


class _LineCounter:
    """Turns offsets into 1-based line numbers, counting on from the last offset asked.

    Offsets are asked in increasing order, so reading a file's lines stays linear.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def at(self, offset: int) -> int:
        if offset >= self._offset:
            self._line += self._text.count("\n", self._offset, offset)
        else:
            self._line = self._text.count("\n", 0, offset) + 1
        self._offset = offset
        return self._line


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _JSON_WHITESPACE:
        position += 1
    return position


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


# CSV and TSV


def _csv_rows(path: str, stream: io.BufferedIOBase, delimiter: str) -> Iterator[Row]:
    reader = csv.reader(_decoded_lines(stream), delimiter=delimiter)
    header: list[str] | None = None
    previous_end = 0
    try:
        for cells in _limited(reader):
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cells):
                continue
            if _has_surrogates(cells):
                yield _row_error(path, line, "invalid-utf8", "not valid UTF-8")
                if header is not None:
                    continue
                # The header still says which cell is which; its bad bytes become U+FFFD.
                cells = [_replace_surrogates(cell) for cell in cells]
            if header is None:
                header = cells
                continue
            if len(cells) != len(header):
                yield _cell_count_error(path, line, len(cells), len(header))
                continue
            yield Row(path, line, dict(zip(header, cells, strict=True)))
    except csv.Error as error:
        yield _row_error(path, previous_end + 1, "not-json", f"not CSV: {_short(error)}")


def _decoded_lines(stream: Iterable[bytes]) -> Iterator[str]:
    # Lines end at b"\n", which no multi-byte UTF-8 character contains, so each decodes
    # on its own. surrogateescape turns an undecodable byte into a lone surrogate, which
    # valid UTF-8 never yields: a bad row is found without losing the rest of the file.
    for number, raw in enumerate(stream):
        if number == 0 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        yield raw.decode("utf-8", "surrogateescape")


def _limited(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    # The field limit is process-wide; it is raised only while a row is being read.
    while True:
        previous = csv.field_size_limit(_CSV_FIELD_LIMIT)
        try:
            cells = next(reader)
        except StopIteration:
            return
        finally:
            csv.field_size_limit(previous)
        yield cells


def _has_surrogates(cells: list[str]) -> bool:
    return any(any("\udc80" <= char <= "\udcff" for char in cell) for cell in cells)


def _replace_surrogates(cell: str) -> str:
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cell_count_error(path: str, line: int, cells: int, columns: int) -> Row:
    category = "missing-keys" if cells < columns else "extra-keys"
    return _row_error(path, line, category, f"the row has {cells} cells, the header {columns}")


# xlsx


def _xlsx_rows(path: str) -> Iterator[Row]:
    try:
        import openpyxl  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        yield _unreadable(path, "reading .xlsx needs openpyxl: pip install 'blog2jsonl[xlsx]'")
        return
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as error:
        yield _unreadable(path, error)
        return
    # openpyxl reports a damaged workbook with whatever zipfile, its XML parser or its
    # own code raised; none of it means anything but "not a readable workbook".
    except Exception as error:
        yield _unreadable(path, f"not an xlsx workbook ({_short(error)})")
        return
    try:
        yield from _sheet_rows(path, workbook.worksheets[0].iter_rows(values_only=True))
    except Exception as error:
        yield _unreadable(path, f"not an xlsx workbook ({_short(error)})")
    finally:
        workbook.close()


def _sheet_rows(path: str, rows: Iterable[tuple[object, ...]]) -> Iterator[Row]:
    header: list[str] | None = None
    for line, values in enumerate(rows, 1):
        cells = [_cell_text(value) for value in values]
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        # Read-only sheets give rows of uneven length; cells past either end are empty.
        width = max(len(header), len(cells))
        header += [""] * (width - len(header))
        cells += [""] * (width - len(cells))
        extra = [value for name, value in zip(header, cells, strict=True) if not name and value]
        if extra:
            yield _row_error(path, line, "extra-keys", "a cell under a column with no header")
            continue
        yield Row(
            path, line, {name: value for name, value in zip(header, cells, strict=True) if name}
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
