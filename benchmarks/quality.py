"""Quality of a row's chunks, measured the same way for every row from its JSONL.

Each line is a record whose ``completion`` is one chunk after a single leading space;
its ``prompt`` ends in ``Part N``, and a chunk is the last of its post when the next
record's part number does not go up. For every row:

- over budget: chunks longer than the budget (cl100k_base tokens for token rows,
  characters for character rows);
- U+FFFD: chunks holding a replacement character (a cut inside a UTF-8 sequence);
- broken fence: chunks with an odd number of fence lines (up to three spaces, then three
  or more backticks or tildes), i.e. a code block cut open;
- boundary ends: of the chunks that are not the last of their post, those ending (after
  stripping spaces and tabs) with ``. ! ? 。 ！ ？`` or a newline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Quality", "Unit", "measure"]

Unit = Literal["tokens", "chars"]

_PART = re.compile(r" Part (\d+)$")
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.MULTILINE)
_ENDINGS = frozenset(".!?。！？\n")
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Quality:
    """Counts over one row's chunks; the ``*_pct`` properties give the table's figures."""

    records: int
    over_budget: int
    replacement: int
    broken_fence: int
    non_final: int
    boundary_ends: int

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return 100.0 * part / whole if whole else None

    @property
    def over_budget_pct(self) -> float | None:
        return self._pct(self.over_budget, self.records)

    @property
    def replacement_pct(self) -> float | None:
        return self._pct(self.replacement, self.records)

    @property
    def broken_fence_pct(self) -> float | None:
        return self._pct(self.broken_fence, self.records)

    @property
    def boundary_pct(self) -> float | None:
        return self._pct(self.boundary_ends, self.non_final)


def _part(prompt: str) -> int | None:
    match = _PART.search(prompt)
    return int(match.group(1)) if match else None


def measure(
    path: Path, unit: Unit, budget: int, count_tokens: Callable[[Sequence[str]], list[int]]
) -> Quality:
    """Read the JSONL at ``path`` and count what :class:`Quality` holds.

    ``count_tokens`` maps a batch of texts to their token counts; it is called only for
    texts whose UTF-8 length exceeds ``budget``, since no text has more tokens than bytes.
    """
    records = over = replacement = broken = non_final = boundary = 0
    previous: tuple[str, int | None] | None = None
    pending: list[str] = []

    def flush() -> int:
        count = sum(1 for tokens in count_tokens(pending) if tokens > budget) if pending else 0
        pending.clear()
        return count

    def judge_ending(text: str, part: int | None, final: bool) -> tuple[int, int]:
        if final or part is None:
            return 0, 0
        stripped = text.rstrip(" \t")
        return 1, int(bool(stripped) and stripped[-1] in _ENDINGS)

    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            completion = record.get("completion", "")
            text = completion[1:] if completion.startswith(" ") else completion
            part = _part(record.get("prompt", ""))
            if previous is not None:
                last_text, last_part = previous
                final = part is None or last_part is None or part <= last_part
                counted, ends = judge_ending(last_text, last_part, final)
                non_final += counted
                boundary += ends
            previous = (text, part)
            records += 1
            if unit == "chars":
                over += len(text) > budget
            elif len(text.encode("utf-8")) > budget:
                pending.append(text)
                if len(pending) >= _BATCH:
                    over += flush()
            replacement += "\ufffd" in text
            broken += len(_FENCE.findall(text)) % 2
    over += flush()
    return Quality(records, over, replacement, broken, non_final, boundary)
