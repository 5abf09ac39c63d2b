"""Check fine-tuning training files, ours or anyone's, and say what to fix.

:func:`check_files` reads each file (:mod:`.read`), tells its format and validates every
row (:mod:`.schema`), counts tokens (:mod:`.tokens`), runs the whole-file rules
(:mod:`.rules`) and returns a :class:`~.report.CheckReport`::

    from blog2jsonl.check import CheckOptions, check_files

    report = check_files(["train.jsonl", "train.val.jsonl"], CheckOptions(model="gpt-4o-mini"))
    print(report.text())

:func:`~.fix.fix_file` writes a corrected copy of one file.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Final

from ..errors import OptionsError
from ..tokenizer import get_encoding
from . import rules, tokens
from .fix import FixResult, fix_file
from .model import FORMATS, Example, Finding
from .read import Row, iter_rows
from .report import CheckReport, FileKind, FileReport, merge_findings
from .schema import DETECT_ROWS, detect_rows, undetected_finding, validate
from .tokens import DEFAULT_MODEL

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "MIN_EXAMPLES",
    "RECOMMENDED_EXAMPLES",
    "CheckOptions",
    "CheckReport",
    "FileReport",
    "FixResult",
    "check_files",
    "fix_file",
    "is_validation_name",
]

#: Fewer training examples than this and OpenAI will not start a job (an error).
MIN_EXAMPLES: Final = 10
#: Fewer than this and fine-tuning rarely pays off, by OpenAI's advice (a warning).
RECOMMENDED_EXAMPLES: Final = 50

# A name part (between ".", "_" and "-") that marks a validation file: out.val.jsonl.
_VALIDATION_PARTS: Final = frozenset({"val", "valid", "validation", "dev", "eval"})


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to check.

    ``format`` forces one of :data:`~.model.FORMATS` instead of detecting it per file.
    ``model`` gives the tokenizer and the per-example token limit; ``max_tokens``
    overrides that limit (a model whose limit is not known, given no ``max_tokens``, is
    checked with no limit). ``price_per_mtok``, a price per million training tokens,
    adds a cost to the estimate; no prices are built in. ``validation`` names files to
    treat as validation files (checked even if not among the paths); with
    ``validation_by_name`` (the default) so are files whose names mark them
    (:func:`is_validation_name`), which a caller that knows its files turns off.
    """

    format: str | None = None
    model: str = DEFAULT_MODEL
    max_tokens: int | None = None
    price_per_mtok: float | None = None
    validation: tuple[str, ...] = ()
    validation_by_name: bool = True


@dataclass(frozen=True, slots=True)
class _Settings:
    """CheckOptions made ready to use: the encoding loaded, the limit found."""

    options: CheckOptions
    encoding_name: str
    encoding: tiktoken.Encoding
    limit: int | None


def _settings(options: CheckOptions) -> _Settings:
    """Validate ``options`` and load what they name; raise OptionsError if unusable."""
    if options.format is not None and options.format not in FORMATS:
        raise OptionsError(f"unknown format {options.format!r} (formats: {', '.join(FORMATS)})")
    # bool is an int; a limit of True tokens is a mistake, not one token.
    if options.max_tokens is not None and (
        isinstance(options.max_tokens, bool) or options.max_tokens < 1
    ):
        raise OptionsError(f"the token limit must be at least 1, not {options.max_tokens}")
    price = options.price_per_mtok
    if price is not None and not (math.isfinite(price) and price >= 0):
        raise OptionsError(f"the price per 1M tokens must be a number ≥ 0, not {price}")
    name = tokens.model_encoding(options.model)
    limit = options.max_tokens
    if limit is None:
        limit = tokens.model_limit(options.model)
    return _Settings(options, name, get_encoding(name), limit)


def is_validation_name(path: str | os.PathLike[str]) -> bool:
    """Whether the file name of ``path`` marks a validation file.

    True when a part of the name, split at ``.``, ``_`` and ``-``, is ``val``,
    ``valid``, ``validation``, ``dev`` or ``eval`` (case aside): ``out.val.jsonl``,
    ``data_valid.csv``, ``eval-set.json``; not ``medieval.jsonl``.
    """
    name = os.path.basename(os.fspath(path)).lower()
    return not _VALIDATION_PARTS.isdisjoint(re.split(r"[._-]", name))


def check_files(
    paths: Sequence[str | os.PathLike[str]], options: CheckOptions | None = None
) -> CheckReport:
    """Check the training files at ``paths`` and return what was found.

    The files in ``options.validation``, and those whose names mark them
    (:func:`is_validation_name`), are validation files: checked the same way, but held
    to no minimum count and left out of the estimate, and compared with the training
    files for shared examples. Validation files not among ``paths`` are checked after
    them; a path given twice is checked once.

    Never raises for what is in the files (they may be missing, unreadable or
    garbage); raises :class:`~blog2jsonl.errors.OptionsError` for unusable options: an
    unknown format or model, a token limit below 1, a negative price.
    """
    settings = _settings(options or CheckOptions())
    validation = {os.path.normpath(path) for path in settings.options.validation}
    ordered: dict[str, str] = {}
    for path in chain(paths, settings.options.validation):
        display = os.fspath(path)
        ordered.setdefault(os.path.normpath(display), display)

    checked: list[_Checked] = []
    for normal, display in ordered.items():
        by_name = settings.options.validation_by_name and is_validation_name(display)
        kind: FileKind = "validation" if normal in validation or by_name else "training"
        checked.append(_check_file(display, kind, settings))

    training = [item for item in checked if item.kind == "training"]
    held_out = [item for item in checked if item.kind == "validation"]
    overlap: list[Finding] = []
    if training and held_out:
        overlap = list(
            rules.find_overlap(
                chain.from_iterable(item.examples for item in training),
                chain.from_iterable(item.examples for item in held_out),
            )
        )
    return CheckReport(
        files=tuple(item.report(overlap) for item in checked),
        model=settings.options.model,
        encoding=settings.encoding_name,
        limit=settings.limit,
        price_per_mtok=settings.options.price_per_mtok,
    )


@dataclass(slots=True)
class _Checked:
    """One file's report before the findings that need the other files are added."""

    kind: FileKind
    examples: list[Example]
    partial: FileReport

    def report(self, overlap: Iterable[Finding]) -> FileReport:
        """The file's report with the overlap findings that concern it added."""
        mine = [finding for finding in overlap if finding.file == self.partial.path]
        if not mine:
            return self.partial
        return dataclasses.replace(
            self.partial, findings=merge_findings(chain(self.partial.findings, mine))
        )


def _check_file(path: str, kind: FileKind, settings: _Settings) -> _Checked:
    forced = settings.options.format
    format, rows = detect_rows(iter_rows(path), forced)
    findings: list[Finding] = []
    examples: list[Example] = []
    totals: list[int] = []
    assistant: list[int] = []
    count = 0
    unreadable = False
    first_values: list[Row] = []  # what an undetected format's message quotes
    for row in rows:
        if row.finding is not None:
            findings.append(row.finding)
            unreadable = unreadable or not row.finding.lines
            count += bool(row.finding.lines)
            continue
        count += 1
        if format is None:
            if len(first_values) < DETECT_ROWS:
                first_values.append(row)
            continue
        checked = validate(row.value, format, path, row.line)
        findings += checked.findings
        if checked.example is None:
            continue
        example = checked.example
        examples.append(example)
        measured = tokens.count_example(example, settings.encoding)
        totals.append(measured.total)
        assistant.append(measured.assistant)
        findings += _token_findings(example, measured.total, settings)

    if format is None and first_values:
        findings.append(undetected_finding(path, first_values))
    # A file that could not be read, or not understood, has no count worth reporting.
    if examples or not (unreadable or first_values):
        findings += _count_findings(path, kind, len(examples))
    findings += rules.find_duplicates(examples)
    if format == "completion":
        findings += rules.legacy_conventions(examples)

    estimate = None
    if kind == "training" and totals:
        # With no known limit nothing is cut short: every example is billed in full.
        limit = settings.limit if settings.limit is not None else max(totals)
        estimate = tokens.estimate(totals, limit, settings.options.price_per_mtok)
    report = FileReport(
        path=path,
        kind=kind,
        format=format,
        format_forced=forced is not None,
        rows=count,
        examples=len(examples),
        findings=merge_findings(findings),
        total_tokens=tokens.describe(totals),
        assistant_tokens=tokens.describe(assistant),
        histogram=tuple(tokens.histogram(totals)),
        estimate=estimate,
    )
    return _Checked(kind, examples, report)


def _token_findings(example: Example, total: int, settings: _Settings) -> Iterator[Finding]:
    where = (example.file, (example.line,))
    found = dict.fromkeys(
        token
        for message in example.messages
        for token in tokens.find_special_tokens(message.content, settings.encoding)
    )
    if found:
        names = ", ".join(map(repr, found))
        yield Finding(
            "error",
            "special-token",
            f"contains {names}, which trainers reject or read as a control token",
            *where,
        )
    if settings.limit is not None and total > settings.limit:
        yield Finding(
            "error",
            "over-token-limit",
            f"{total:,} tokens, over the limit of {settings.limit:,}",
            *where,
        )


def _count_findings(path: str, kind: FileKind, count: int) -> Iterator[Finding]:
    examples = f"{count} valid example{'' if count == 1 else 's'}"
    if kind == "validation":
        if count < MIN_EXAMPLES:
            yield Finding(
                "warning",
                "too-few-examples",
                f"{examples}: the validation loss of so few is mostly noise",
                path,
            )
    elif count < MIN_EXAMPLES:
        yield Finding(
            "error",
            "too-few-examples",
            f"{examples}: a fine-tuning job needs at least {MIN_EXAMPLES}",
            path,
        )
    elif count < RECOMMENDED_EXAMPLES:
        yield Finding(
            "warning",
            "too-few-examples",
            f"{examples}: fine-tuning starts to pay off from about {RECOMMENDED_EXAMPLES}",
            path,
        )
