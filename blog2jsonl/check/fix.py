"""Fix: write a corrected copy of one training file, as JSON Lines in the same format.

What ``check`` reports as an error in a single example is dropped, not guessed at:
rows that cannot be read or do not fit the format, examples with nothing in them,
examples over the token limit or holding special tokens. Exact duplicates are dropped
after their first copy. For the completion format, OpenAI's legacy conventions can be
added on request: a separator after each prompt, a stop sequence after each
completion, a space before each completion. Everything else is written as it was read,
key for key, so a CSV row becomes a JSON object with the CSV's header as its keys.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import OptionsError
from ..write import dumps_record, open_output
from . import rules, tokens
from .model import Example
from .read import Row, iter_rows
from .report import describe_lines
from .schema import Validated, detect_rows, undetected_finding, validate

if TYPE_CHECKING:
    from . import CheckOptions, _Settings

__all__ = ["FixResult", "fix_file"]


@dataclass(frozen=True, slots=True)
class FixResult:
    """What :func:`fix_file` did to ``source`` to write ``output``.

    ``format`` is None only when no row could be read. ``rows`` were read, ``written``
    were written. Each ``dropped_*`` field holds the
    lines of the rows dropped for that reason; ``separator_added``, ``stop_added`` and
    ``space_added`` the lines of the examples that got one.
    """

    source: str
    output: str
    format: str | None
    rows: int
    written: int
    dropped_unreadable: tuple[int, ...] = ()
    dropped_invalid: tuple[int, ...] = ()
    dropped_empty: tuple[int, ...] = ()
    dropped_too_long: tuple[int, ...] = ()
    dropped_special: tuple[int, ...] = ()
    dropped_duplicate: tuple[int, ...] = ()
    separator: str | None = None
    separator_added: tuple[int, ...] = ()
    stop: str | None = None
    stop_added: tuple[int, ...] = ()
    space_added: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        """True when anything was dropped or added."""
        return bool(self._drops() or self.separator_added or self.stop_added or self.space_added)

    def lines(self) -> list[str]:
        """Say what was changed, one line per kind of change, then what was written.

        E.g. ``dropped 2 duplicate examples (lines 5, 9)``, ``added the separator
        '\\n\\n###\\n\\n' to 12 prompts``, ``wrote 57 of 60 examples to out.jsonl``.
        """
        said = [
            f"dropped {len(lines):,} {what} ({describe_lines(lines)})"
            for what, lines in self._drops()
        ]
        if self.separator_added:
            count = _count(len(self.separator_added), "prompt")
            said.append(f"added the separator {self.separator!r} to {count}")
        if self.stop_added:
            count = _count(len(self.stop_added), "completion")
            said.append(f"added the stop sequence {self.stop!r} to {count}")
        if self.space_added:
            count = _count(len(self.space_added), "completion")
            said.append(f"added a leading space to {count}")
        said.append(f"wrote {self.written:,} of {_count(self.rows, 'row')} to {self.output}")
        return said

    def _drops(self) -> list[tuple[str, tuple[int, ...]]]:
        """Each kind of drop that happened, as (what was dropped, its lines)."""
        drops = [
            ("unreadable row{s}", self.dropped_unreadable),
            (f"row{{s}} that do{{es}} not fit the {self.format} format", self.dropped_invalid),
            ("empty example{s}", self.dropped_empty),
            ("example{s} over the token limit", self.dropped_too_long),
            ("example{s} with special tokens", self.dropped_special),
            ("duplicate example{s}", self.dropped_duplicate),
        ]
        return [
            (
                what.format(s="" if len(lines) == 1 else "s", es="es" if len(lines) == 1 else ""),
                lines,
            )
            for what, lines in drops
            if lines
        ]


@dataclass(slots=True)
class _Tally:
    rows: int = 0
    written: int = 0
    dropped: dict[str, list[int]] = field(default_factory=dict)
    added: dict[str, list[int]] = field(default_factory=dict)

    def drop(self, reason: str, line: int) -> None:
        self.dropped.setdefault(reason, []).append(line)

    def add(self, what: str, line: int) -> None:
        self.added.setdefault(what, []).append(line)

    def lines(self, key: str, *, added: bool = False) -> tuple[int, ...]:
        return tuple((self.added if added else self.dropped).get(key, ()))


def fix_file(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    options: CheckOptions | None = None,
    separator: str | None = None,
    stop: str | None = None,
    leading_space: bool = False,
) -> FixResult:
    """Write a corrected copy of the training file at ``path`` to ``out``, as JSON Lines.

    ``options`` gives the format (detected when not given), the model and the token
    limit, as for :func:`~blog2jsonl.check.check_files`. The copy keeps every example
    that ``check`` finds nothing wrong with on its own, in order and in the shape it was
    read in, and drops the rest (see the module's summary); the first of several exact
    copies is kept. For completion files, ``separator`` is appended to each prompt that
    does not end with it, ``stop`` to each completion that does not end with it, and
    with ``leading_space`` a space starts each completion that does not start with
    whitespace (an empty string asks for nothing). ``out`` is written atomically
    through :func:`~blog2jsonl.write.open_output` (``.gz``: compressed; ``-``: stdout).

    Raises :class:`~blog2jsonl.errors.OptionsError` for unusable options (as
    ``check_files``; also the legacy conventions asked of another format), for a file
    that cannot be read or whose format cannot be told, and for an output that cannot
    be written; nothing is written then.
    """
    # Imported here: the package's __init__ imports this module to export fix_file.
    from . import CheckOptions, _settings

    settings = _settings(options or CheckOptions())
    source = os.fspath(path)
    output = os.fspath(out)
    format, rows = detect_rows(iter_rows(source), settings.options.format)
    if format is None:
        head = list(rows)
        _raise_if_unreadable(head)
        if any(row.finding is None for row in head):
            raise OptionsError(f"{source}: {undetected_finding(source, head).message}")
        rows = iter(head)  # nothing but unreadable rows, to be counted and dropped
    legacy = bool(separator or stop or leading_space)
    if legacy and format not in (None, "completion"):
        raise OptionsError(
            f"{source}: a separator, stop sequence or leading space applies to completion "
            f"files only; this is a {format} file"
        )

    tally = _Tally()
    seen: set[bytes] = set()
    with open_output(output) as stream:
        for row in rows:
            _raise_if_unreadable([row])
            tally.rows += 1
            if row.finding is not None or format is None:
                tally.drop("unreadable", row.line)
                continue
            checked = validate(row.value, format, source, row.line)
            if checked.example is None:
                tally.drop("empty" if _only_empty(checked) else "invalid", row.line)
                continue
            value = row.value
            example = checked.example
            if legacy and isinstance(value, dict):
                value = _add_conventions(value, row.line, separator, stop, leading_space, tally)
                # Validated again to measure the example as it will be written.
                example = validate(value, format, source, row.line).example or example
            reason = _token_problem(example, settings)
            if reason is not None:
                tally.drop(reason, row.line)
                continue
            key = rules.example_key(example)  # the duplicates check's own key
            if key in seen:
                tally.drop("duplicate", row.line)
                continue
            seen.add(key)
            assert isinstance(value, dict)  # validate() gives no example for anything else
            stream.write(dumps_record(value) + "\n")
            tally.written += 1

    return FixResult(
        source=source,
        output=output,
        format=format,
        rows=tally.rows,
        written=tally.written,
        dropped_unreadable=tally.lines("unreadable"),
        dropped_invalid=tally.lines("invalid"),
        dropped_empty=tally.lines("empty"),
        dropped_too_long=tally.lines("too-long"),
        dropped_special=tally.lines("special"),
        dropped_duplicate=tally.lines("duplicate"),
        separator=separator or None,
        separator_added=tally.lines("separator", added=True),
        stop=stop or None,
        stop_added=tally.lines("stop", added=True),
        space_added=tally.lines("space", added=True),
    )


def _raise_if_unreadable(rows: Sequence[Row]) -> None:
    for row in rows:
        if row.finding is not None and not row.finding.lines:
            raise OptionsError(f"{row.file}: {row.finding.message}")


def _only_empty(checked: Validated) -> bool:
    errors = [finding for finding in checked.findings if finding.severity == "error"]
    return bool(errors) and all(finding.category == "empty-content" for finding in errors)


def _add_conventions(
    value: dict[str, object],
    line: int,
    separator: str | None,
    stop: str | None,
    leading_space: bool,
    tally: _Tally,
) -> dict[str, object]:
    fixed = dict(value)  # same keys, same order
    prompt, completion = fixed["prompt"], fixed["completion"]
    if separator and isinstance(prompt, str) and not prompt.endswith(separator):
        fixed["prompt"] = prompt + separator
        tally.add("separator", line)
    if isinstance(completion, str):
        if leading_space and not completion[:1].isspace():
            completion = " " + completion
            tally.add("space", line)
        if stop and not completion.endswith(stop):
            completion += stop
            tally.add("stop", line)
        fixed["completion"] = completion
    return fixed


def _token_problem(example: Example, settings: _Settings) -> str | None:
    for message in example.messages:
        if tokens.find_special_tokens(message.content, settings.encoding):
            return "special"
    limit = settings.limit
    if limit is not None and tokens.count_example(example, settings.encoding).total > limit:
        return "too-long"
    return None


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
