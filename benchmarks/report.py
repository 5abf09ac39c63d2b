"""Turn measured rows into the Markdown report: machine, table, ratios and targets."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Literal

from quality import Quality, Unit

__all__ = [
    "MB",
    "Corpus",
    "RowResult",
    "RowSpec",
    "Target",
    "corpus_section",
    "machine_lines",
    "targets",
]

MB = 1_000_000
DISTRIBUTIONS = (
    "blog2jsonl",
    "tiktoken",
    "markdown-it-py",
    "langchain-text-splitters",
    "chonkie",
    "semantic-text-splitter",
    "semchunk",
    "psutil",
)
RSS_LIMIT_MB = 150.0
COLD_START_LIMIT = 0.25

Kind = Literal["blog2jsonl", "peer", "baseline", "floor", "ceiling"]


@dataclass(frozen=True, slots=True)
class RowSpec:
    """One row of the table: what runs, and how its chunks are judged.

    ``unit`` is the budget's unit for the quality columns (``None``: the row writes no
    chunks); ``modules`` must all be importable, or the row says "not installed".
    """

    label: str
    kind: Kind
    unit: Unit | None
    budget: int
    chunker_args: tuple[str, ...] = ()
    jobs: int | None = None
    peer: str | None = None
    modules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Corpus:
    """A folder of posts and the files in it that every row reads."""

    name: str
    root: Path
    files: tuple[Path, ...]
    size: int
    large: bool = False  # the issue sets its -j 2 target on the large corpus


@dataclass(slots=True)
class RowResult:
    """A measured row, or (``note`` set, figures ``None``) why it was not measured."""

    spec: RowSpec
    note: str | None = None
    wall: float | None = None
    peak_rss: int | None = None
    records: int | None = None
    quality: Quality | None = None
    output: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def mb_per_s(self, corpus: Corpus) -> float | None:
        copies = 2 if self.spec.kind == "ceiling" else 1  # two runs over the corpus
        return copies * corpus.size / MB / self.wall if self.wall else None


@dataclass(frozen=True, slots=True)
class Target:
    """One of the issue's targets: what it asks, what was measured, PASS/FAIL/n/a."""

    name: str
    measured: str
    verdict: Literal["PASS", "FAIL", "n/a"]


def _git_description(repo: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines(repo: Path, cold_start: float | None, rss_method: str) -> list[str]:
    """The "Machine" section: cores, CPU, OS, Python, package versions, how RSS is taken."""
    versions = []
    for name in DISTRIBUTIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cold = f"{cold_start:.3f} s" if cold_start is not None else "not measured"
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores ({usable} usable by this process)",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- blog2jsonl at git {_git_description(repo)}",
        "- packages: " + ", ".join(versions),
        f"- peak RSS: {rss_method}",
        f"- cold start, `blog2jsonl --version`, best of 5 fresh processes: {cold}",
    ]


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    return "0%" if value == 0 else f"{value:.2f}%"


def _row_cells(row: RowResult, corpus: Corpus) -> list[str]:
    if row.note is not None or row.wall is None:
        return [row.spec.label, row.note or "—", *["—"] * 8]
    mb_s = row.mb_per_s(corpus)
    quality = row.quality
    return [
        row.spec.label,
        f"{mb_s:.2f}" if mb_s is not None else "—",
        f"{len(corpus.files) / row.wall:.1f}",
        f"{row.records:,}" if row.records is not None else "—",
        f"{row.peak_rss / MB:.0f}" if row.peak_rss is not None else "—",
        _pct(quality.over_budget_pct if quality else None),
        _pct(quality.replacement_pct if quality else None),
        _pct(quality.broken_fence_pct if quality else None),
        _pct(quality.boundary_pct if quality else None),
        f"{row.wall:.2f}",
    ]


HEADER = (
    "row",
    "MB/s",
    "posts/s",
    "records",
    "peak RSS (MB)",
    "over budget",
    "U+FFFD",
    "broken fence",
    "boundary ends",
    "wall (s)",
)


def table(rows: Sequence[RowResult], corpus: Corpus) -> list[str]:
    """The Markdown table, one line per row."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---|" + "---:|" * (len(HEADER) - 1)]
    lines += ["| " + " | ".join(_row_cells(row, corpus)) + " |" for row in rows]
    return lines


def _find(rows: Sequence[RowResult], label: str) -> RowResult | None:
    for row in rows:
        if row.spec.label == label and row.note is None and row.wall:
            return row
    return None


def _ratio(rows: Sequence[RowResult], mine: str, theirs: str) -> float | None:
    a, b = _find(rows, mine), _find(rows, theirs)
    if a is None or b is None or a.wall is None or b.wall is None:
        return None
    return b.wall / a.wall  # same bytes, so the speed ratio is the inverse time ratio


def _at_least(name: str, ratio: float | None, minimum: float, why_missing: str) -> Target:
    if ratio is None:
        return Target(name, why_missing, "n/a")
    return Target(name, f"{ratio:.2f}x", "PASS" if ratio >= minimum else "FAIL")


TOKENS_J1 = "blog2jsonl tokens -j 1"
CEILING_LABEL = "ceiling: two tokens -j 1 runs at once"
TOKENS_J2 = "blog2jsonl tokens -j 2"
SEMANTIC = "semantic-text-splitter MarkdownSplitter"
CHONKIE = "chonkie RecursiveChunker"
FLOOR_ENCODE = "floor: read + tiktoken encode"


def ratio_lines(rows: Sequence[RowResult]) -> list[str]:
    """Speed ratios (MB/s over MB/s) of blog2jsonl against the peers and the floor."""
    pairs = [
        (TOKENS_J1, SEMANTIC),
        (TOKENS_J1, CHONKIE),
        (TOKENS_J1, FLOOR_ENCODE),
        *(
            (f"blog2jsonl {name} -j 2", f"blog2jsonl {name} -j 1")
            for name in ("chars", "tokens", "headings")
        ),
    ]
    lines = []
    for mine, theirs in pairs:
        ratio = _ratio(rows, mine, theirs)
        shown = f"{ratio:.2f}x" if ratio is not None else "n/a (a row was not measured)"
        lines.append(f"- {mine} vs {theirs}: {shown}")
    return lines


def targets(
    rows: Sequence[RowResult],
    identical: dict[str, bool | None],
    cold_start: float | None,
    *,
    large: bool = True,
    start: float | None = None,
) -> list[Target]:
    """The issue's targets, read from the measured rows.

    ``identical`` maps each chunker to whether its ``-j 2`` output equals its ``-j 1``
    output byte for byte (``None``: not compared). ``large`` says whether the rows are
    the large corpus's, on which the issue sets its ``-j 2`` target; ``start`` is the
    wall time of a run over a single short post (see :func:`_scaling`).
    """
    out = [
        _at_least(
            "tokens ≥ 3x semantic-text-splitter",
            _ratio(rows, TOKENS_J1, SEMANTIC),
            3.0,
            "semantic-text-splitter not measured",
        ),
        _at_least(
            "tokens ≥ 1x chonkie", _ratio(rows, TOKENS_J1, CHONKIE), 1.0, "chonkie not measured"
        ),
        _at_least(
            "tokens ≥ 0.5x read+encode floor",
            _ratio(rows, TOKENS_J1, FLOOR_ENCODE),
            0.5,
            "floor not measured",
        ),
    ]
    mine = [row for row in rows if row.spec.kind == "blog2jsonl" and row.quality is not None]
    bad = [
        f"{row.spec.label}: {name} {count}"
        for row in mine
        if row.quality is not None
        for name, count in (
            ("over budget", row.quality.over_budget),
            ("U+FFFD", row.quality.replacement),
            ("broken fence", row.quality.broken_fence),
        )
        if count
    ]
    if not mine:
        out.append(Target("0% over budget / U+FFFD / broken fence", "no rows", "n/a"))
    else:
        measured = "; ".join(bad) if bad else f"0 in {len(mine)} blog2jsonl rows"
        out.append(
            Target("0% over budget / U+FFFD / broken fence", measured, "FAIL" if bad else "PASS")
        )
    out.append(_scaling(rows, large, start))
    compared = {name: same for name, same in identical.items() if same is not None}
    if compared:
        measured = ", ".join(
            f"{name} {'same' if same else 'DIFFERENT'}" for name, same in compared.items()
        )
        verdict: Literal["PASS", "FAIL", "n/a"] = "PASS" if all(compared.values()) else "FAIL"
        out.append(Target("-j 2 output byte-identical to -j 1", measured, verdict))
    else:
        out.append(Target("-j 2 output byte-identical to -j 1", "-j 2 not measured", "n/a"))
    for jobs in (1, 2):
        measured_rows = [
            row
            for row in rows
            if row.spec.kind == "blog2jsonl" and row.spec.jobs == jobs and row.peak_rss is not None
        ]
        name = (
            f"peak RSS ≤ {RSS_LIMIT_MB:.0f} MB (-j {jobs} rows{', whole tree' if jobs > 1 else ''})"
        )
        if not measured_rows:
            out.append(Target(name, "not measured", "n/a"))
            continue
        worst = max(measured_rows, key=lambda row: row.peak_rss or 0)
        peak = (worst.peak_rss or 0) / MB
        out.append(
            Target(
                name,
                f"{peak:.0f} MB ({worst.spec.label})",
                "PASS" if peak <= RSS_LIMIT_MB else "FAIL",
            )
        )
    if cold_start is None:
        out.append(Target(f"cold start ≤ {COLD_START_LIMIT} s", "not measured", "n/a"))
    else:
        verdict = "PASS" if cold_start <= COLD_START_LIMIT else "FAIL"
        out.append(Target(f"cold start ≤ {COLD_START_LIMIT} s", f"{cold_start:.3f} s", verdict))
    return out


def _scaling(rows: Sequence[RowResult], large: bool, start: float | None) -> Target:
    """The ``-j 2`` target, with what bounds it on this machine beside the ratio.

    Two bounds are printed. The ceiling: two independent ``-j 1`` runs started together.
    The start: a run's fixed cost (interpreter, imports, the encoding; ``start``) comes
    before any worker exists, and only the rest can be shared by two cores, so no
    ``-j 2`` run can beat ``T1 / (start + (T1 - start) / 2)``.
    """
    name = "-j 2 ≥ 1.8x -j 1 (tokens)"
    ratio = _ratio(rows, TOKENS_J2, TOKENS_J1)
    if ratio is None:
        return Target(name, "-j 2 not measured", "n/a")
    bounds = []
    ceiling = _ratio(rows, CEILING_LABEL, TOKENS_J1)
    if ceiling is not None:
        # Two runs' worth of work: twice the single run's time is the same-speed mark.
        bounds.append(f"this machine's ceiling: {2 * ceiling:.2f}x")
    single = _find(rows, TOKENS_J1)
    if start is not None and single is not None and single.wall and single.wall > start:
        bound = single.wall / (start + (single.wall - start) / 2)
        bounds.append(f"bound by the {start:.2f} s start: {bound:.2f}x")
    verdict: Literal["PASS", "FAIL", "n/a"] = "PASS" if ratio >= 1.8 else "FAIL"
    if not large:
        bounds.append("the target is set on the large corpus")
        verdict = "n/a"
    measured = f"{ratio:.2f}x" + (f" ({'; '.join(bounds)})" if bounds else "")
    return Target(name, measured, verdict)


def target_lines(found: Sequence[Target]) -> list[str]:
    lines = ["| target | measured | result |", "|---|---|---|"]
    lines += [f"| {target.name} | {target.measured} | **{target.verdict}** |" for target in found]
    return lines


READING = (
    "Columns: `benchmarks/README.md`. Boundary ends: a chunk ends a sentence, or ends a "
    "block where its last characters are found in its source file (the rest of the line "
    "blank, then a blank line, a new block or the file's end). Peers chunk the raw "
    "files, code and front matter included; blog2jsonl removes both first."
)


def located_line(rows: Sequence[RowResult]) -> str | None:
    """How many chunk ends each row had found in their files (the rest were judged by
    their last character alone)."""
    found = [
        f"{row.spec.label} {100 * row.quality.located / row.quality.non_final:.0f}%"
        for row in rows
        if row.quality is not None and row.quality.non_final
    ]
    return "Chunk ends found in their source file: " + ", ".join(found) + "." if found else None


def corpus_section(
    corpus: Corpus,
    rows: Sequence[RowResult],
    identical: dict[str, bool | None],
    cold_start: float | None,
    describe: Callable[[Corpus], str],
    start: float | None = None,
) -> list[str]:
    """The section for one corpus: heading, table, ratios, targets, row warnings."""
    lines = [f"## {corpus.name}", "", describe(corpus), "", *table(rows, corpus), ""]
    lines += [READING, ""]
    located = located_line(rows)
    if located:
        lines += [located, ""]
    lines += ["Speed ratios (higher: blog2jsonl faster):", "", *ratio_lines(rows), ""]
    lines += [
        "Targets:",
        "",
        *target_lines(targets(rows, identical, cold_start, large=corpus.large, start=start)),
        "",
    ]
    warnings = [f"- {row.spec.label}: {warning}" for row in rows for warning in row.warnings]
    if warnings:
        lines += ["Notes from the runs:", "", *warnings, ""]
    return lines
