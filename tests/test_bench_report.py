"""The benchmark report's reading of the -j 2 target (``benchmarks/report.py``), from
rows with made-up wall times: nothing here runs a benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from report import CEILING_LABEL, TOKENS_J1, TOKENS_J2, RowResult, RowSpec, Target, targets


def rows(single: float, double: float, ceiling: float | None = None) -> list[RowResult]:
    """The tokens -j 1 and -j 2 rows (and the ceiling row) with these wall times."""
    measured = [
        RowResult(RowSpec(TOKENS_J1, "blog2jsonl", "tokens", 512, jobs=1), wall=single),
        RowResult(RowSpec(TOKENS_J2, "blog2jsonl", "tokens", 512, jobs=2), wall=double),
    ]
    if ceiling is not None:
        spec = RowSpec(CEILING_LABEL, "ceiling", None, 0, jobs=1)
        measured.append(RowResult(spec, wall=ceiling))
    return measured


def scaling(found: list[Target]) -> Target:
    (target,) = [target for target in found if target.name.startswith("-j 2 ≥")]
    return target


@pytest.mark.parametrize(("double", "verdict"), [(1.5, "PASS"), (1.7, "FAIL")])
def test_the_large_corpus_is_judged(double: float, verdict: str) -> None:
    target = scaling(targets(rows(3.0, double), {}, None, large=True))
    assert target.verdict == verdict
    assert target.measured == f"{3.0 / double:.2f}x"


def test_another_corpus_shows_its_ratio_without_a_verdict() -> None:
    target = scaling(targets(rows(3.0, 1.7), {}, None, large=False))
    assert target.verdict == "n/a"
    assert target.measured == "1.76x (the target is set on the large corpus)"


def test_the_bounds_are_printed_beside_the_ratio() -> None:
    # Two -j 1 runs at once took 3.2 s: twice 3.0 s over that is 1.875x. A 0.3 s start
    # leaves 2.7 s to share: 3.0 / (0.3 + 1.35) = 1.82x at best.
    target = scaling(targets(rows(3.0, 1.7, ceiling=3.2), {}, None, start=0.3))
    assert target.measured == (
        "1.76x (this machine's ceiling: 1.88x; bound by the 0.30 s start: 1.82x)"
    )
    assert target.verdict == "FAIL"


def test_a_start_longer_than_the_run_gives_no_bound() -> None:
    target = scaling(targets(rows(0.2, 0.2), {}, None, start=0.3))
    assert target.measured == "1.00x"


def test_an_unmeasured_double_is_not_applicable() -> None:
    target = scaling(targets(rows(3.0, 1.7)[:1], {}, None))
    assert (target.measured, target.verdict) == ("-j 2 not measured", "n/a")
