"""Report: what ``check`` found in each file, as values, as readable text and as JSON.

A :class:`FileReport` holds one file's format, counts, findings and token figures; a
:class:`CheckReport` holds them all with the model they were measured against. Both
are plain values: the checks fill them in, and :meth:`CheckReport.text` and
:meth:`CheckReport.to_json` only render them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from .model import CATEGORIES, Finding, Severity
from .tokens import Estimate, Stats

__all__ = [
    "CheckReport",
    "FileKind",
    "FileReport",
    "category_description",
    "describe_lines",
    "merge_findings",
]

FileKind = Literal["training", "validation"]

#: How many line numbers a text report lists for one finding before "… and N more".
SHOWN_LINES: Final = 10
#: How many findings of one category a text report shows before "… and N more".
SHOWN_FINDINGS: Final = 10

_SEVERITY_ORDER: Final = {"error": 0, "warning": 1}
_STAT_COLUMNS: Final = ("min", "p10", "median", "mean", "p90", "max")


@dataclass(frozen=True, slots=True)
class FileReport:
    """One checked file.

    ``format`` is the format the file was read in (None when it could not be told),
    ``format_forced`` whether the caller chose it. ``rows`` counts what was read (lines,
    elements or spreadsheet rows, blank ones aside), ``examples`` those that are valid.
    ``total_tokens`` and ``assistant_tokens`` describe the valid examples (None when
    there are none); ``histogram`` draws their totals; ``estimate`` is the training bill
    (training files only).
    """

    path: str
    kind: FileKind
    format: str | None
    format_forced: bool
    rows: int
    examples: int
    findings: tuple[Finding, ...]
    total_tokens: Stats | None = None
    assistant_tokens: Stats | None = None
    histogram: tuple[str, ...] = ()
    estimate: Estimate | None = None

    @property
    def errors(self) -> int:
        """The number of error findings."""
        return sum(finding.severity == "error" for finding in self.findings)

    @property
    def warnings(self) -> int:
        """The number of warning findings."""
        return sum(finding.severity == "warning" for finding in self.findings)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The files checked, in order, and what they were measured against.

    ``limit`` is the per-example token limit applied (None: unknown for ``model`` and
    none given, so no example was held against one). Findings are counted as listed:
    a problem that recurs with the same message on many lines is one finding.
    """

    files: tuple[FileReport, ...]
    model: str
    encoding: str
    limit: int | None
    price_per_mtok: float | None = None

    @property
    def errors(self) -> int:
        """The number of error findings in all files."""
        return sum(file.errors for file in self.files)

    @property
    def warnings(self) -> int:
        """The number of warning findings in all files."""
        return sum(file.warnings for file in self.files)

    @property
    def ok(self) -> bool:
        """True when no file has an error (warnings allowed)."""
        return self.errors == 0

    def text(self) -> str:
        """Return the report as text for people: one section per file, then the verdict."""
        blocks = [_preamble(self)]
        blocks += [_file_text(file, self) for file in self.files]
        blocks.append(_verdict(self.errors, self.warnings))
        return "\n\n".join(blocks) + "\n"

    def to_json(self) -> dict[str, object]:
        """Return the report as one JSON-able document, its keys in a fixed order."""
        return {
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "model": self.model,
            "encoding": self.encoding,
            "limit": self.limit,
            "price_per_mtok": self.price_per_mtok,
            "files": [_file_json(file) for file in self.files],
        }


def category_description(category: str) -> str:
    """Return what ``category`` means, from :data:`~.model.CATEGORIES` (or "" if unknown)."""
    return CATEGORIES.get(category, "")


def merge_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Merge findings that say the same thing about one file, and sort them.

    Findings with the same file, severity, category and message become one, with the
    lines of all (sorted, each once). The result lists errors before warnings, then
    follows the order of :data:`~.model.CATEGORIES`, then the first line.
    """
    merged: dict[tuple[str, Severity, str, str], set[int]] = {}
    for finding in findings:
        key = (finding.file, finding.severity, finding.category, finding.message)
        merged.setdefault(key, set()).update(finding.lines)
    result = [
        Finding(severity, category, message, file, tuple(sorted(lines)))
        for (file, severity, category, message), lines in merged.items()
    ]
    order = {category: index for index, category in enumerate(CATEGORIES)}
    result.sort(
        key=lambda f: (
            _SEVERITY_ORDER.get(f.severity, 2),
            order.get(f.category, len(order)),
            f.lines[:1] or (0,),
            f.message,
        )
    )
    return tuple(result)


# Text


def _preamble(report: CheckReport) -> str:
    if report.limit is None:
        limit = f"no per-example token limit known for {report.model} (give one to check it)"
    else:
        limit = f"at most {report.limit:,} tokens per example"
    return f"Checked for {report.model} ({report.encoding} tokens), {limit}."


def _file_text(file: FileReport, report: CheckReport) -> str:
    lines = [_header(file)]
    lines += _findings_text(file.findings)
    if file.total_tokens is not None:
        lines += ["", *_stats_table(file.total_tokens, file.assistant_tokens)]
    if file.histogram:
        lines += ["", "  total tokens per example:", *("    " + bar for bar in file.histogram)]
    if file.estimate is not None:
        lines += ["", "  " + _estimate_text(file.estimate, report.price_per_mtok)]
    return "\n".join(lines)


def _header(file: FileReport) -> str:
    if file.format is None:
        format = "format unknown"
    else:
        format = f"{file.format} ({'as asked' if file.format_forced else 'detected'})"
    examples = _plural(file.examples, "valid example")
    if file.rows != file.examples:
        examples += f" of {file.rows} read"
    return f"{file.path}: {file.kind} file, {format}, {examples}"


def _findings_text(findings: Sequence[Finding]) -> list[str]:
    lines: list[str] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.severity, finding.category), []).append(finding)
    for (severity, category), group in groups.items():
        description = category_description(category)
        lines.append(f"  {severity:<7}  {category}" + (f": {description}" if description else ""))
        for finding in group[:SHOWN_FINDINGS]:
            where = describe_lines(finding.lines)
            lines.append(f"    {where}: {finding.message}" if where else f"    {finding.message}")
        if len(group) > SHOWN_FINDINGS:
            lines.append(f"    … and {len(group) - SHOWN_FINDINGS} more")
    return lines


def describe_lines(lines: Sequence[int]) -> str:
    """Name ``lines`` for people: ``line 3``, ``lines 3, 7, 9 … and 120 more`` ("" for none).

    At most :data:`SHOWN_LINES` numbers are listed.
    """
    if not lines:
        return ""
    if len(lines) == 1:
        return f"line {lines[0]}"
    shown = ", ".join(map(str, lines[:SHOWN_LINES]))
    more = len(lines) - SHOWN_LINES
    return f"lines {shown}" + (f" … and {more:,} more" if more > 0 else "")


def _stats_table(total: Stats, assistant: Stats | None) -> list[str]:
    rows = [("tokens per example", *_STAT_COLUMNS), ("total", *_stat_cells(total))]
    if assistant is not None:
        rows.append(("assistant", *_stat_cells(assistant)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _stat_cells(stats: Stats) -> tuple[str, ...]:
    return tuple(_number(getattr(stats, column)) for column in _STAT_COLUMNS)


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _estimate_text(estimate: Estimate, price: float | None) -> str:
    text = (
        f"training estimate: {_plural(estimate.examples, 'example')} x "
        f"{_plural(estimate.epochs, 'epoch')} (the default) = "
        f"{estimate.billed_tokens:,} billed tokens"
    )
    if estimate.cost is not None and price is not None:
        # Cents for a real bill; three significant digits for a trial file's fraction.
        cost = f"{estimate.cost:,.2f}" if estimate.cost >= 1 else f"{estimate.cost:.3g}"
        return text + f", about {cost} at {price:g} per 1M tokens"
    return text + " (give a price per 1M tokens for the cost)"


def _verdict(errors: int, warnings: int) -> str:
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


# JSON


def _file_json(file: FileReport) -> dict[str, object]:
    return {
        "path": file.path,
        "kind": file.kind,
        "format": file.format,
        "format_forced": file.format_forced,
        "rows": file.rows,
        "examples": file.examples,
        "errors": file.errors,
        "warnings": file.warnings,
        "findings": [
            {
                "severity": finding.severity,
                "category": finding.category,
                "message": finding.message,
                "lines": list(finding.lines),
            }
            for finding in file.findings
        ],
        "tokens": {
            "total": _optional_json(file.total_tokens),
            "assistant": _optional_json(file.assistant_tokens),
        },
        "histogram": list(file.histogram),
        "estimate": _optional_json(file.estimate),
    }


def _optional_json(value: Stats | Estimate | None) -> dict[str, object] | None:
    return None if value is None else dataclasses.asdict(value)
