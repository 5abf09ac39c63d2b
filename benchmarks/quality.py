"""Quality of a row's chunks, measured the same way for every row from its JSONL.

Each line is a record whose ``completion`` is one chunk after a single leading space;
its ``prompt`` ends in ``Part N``, and a chunk is the last of its post when the next
record's part number does not go up. For every row:

- over budget: chunks longer than the budget (cl100k_base tokens for token rows,
  characters for character rows);
- U+FFFD: chunks holding a replacement character (a cut inside a UTF-8 sequence);
- broken fence: chunks with an odd number of fence lines (up to three spaces, then three
  or more backticks or tildes), i.e. a code block cut open;
- boundary ends: of the chunks that are not the last of their post, those that end a
  sentence (their last character, past white space, is one of ``. ! ? 。 ！ ？``) or a
  block. Whether a chunk ends a block is read in its source file, where its last
  characters are looked up: it does when the rest of their line is blank and the next
  line is blank, starts a block (a heading, a list item, a quote, a table row, a fence,
  an HTML or template tag) or is the end of the file. A chunk whose end is not found in
  the file (text a converter changed) is judged by its own last character, a newline
  counting as a block's end; :attr:`Quality.located` counts the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Quality", "SourceOf", "Unit", "measure", "prompt_source"]

Unit = Literal["tokens", "chars"]

_PART = re.compile(r" Part (\d+)$")
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.MULTILINE)
_SENTENCE_ENDS = frozenset(".!?。！？")
_ENDINGS = _SENTENCE_ENDS | {"\n"}
#: After a chunk's last characters in its file: the rest of their line is blank, and the
#: file ends, or the next line is blank or starts a block.
_BLOCK_END = re.compile(
    r"[ \t]*(?:\Z|\n(?:[ \t]*(?:\n|\Z)|[ \t]{0,3}"
    r"(?:#{1,6}(?:[ \t]|$)|[-*+][ \t]|\d{1,9}[.)][ \t]|>|\||`{3}|~{3}|<|\{%)))",
    re.MULTILINE,
)
#: How much of a chunk's end is looked up in its file.
_TAIL = 80
_BATCH = 2000

#: The source file of the ``index``-th record, whose prompt is ``prompt`` (None: unknown).
SourceOf = Callable[[int, str], "Path | None"]


@dataclass(frozen=True, slots=True)
class Quality:
    """Counts over one row's chunks; the ``*_pct`` properties give the table's figures."""

    records: int
    over_budget: int
    replacement: int
    broken_fence: int
    non_final: int
    boundary_ends: int
    located: int = 0  # non-final chunks whose end was found in their file

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


def prompt_source(index: int, prompt: str) -> Path | None:
    """The source of a record whose prompt is ``<file> Part N`` (as ``peers.py`` writes)."""
    return Path(_PART.sub("", prompt)) if _PART.search(prompt) else None


class _Sources:
    """Looks chunk ends up in their source files, one file held at a time."""

    def __init__(self, source_of: SourceOf | None) -> None:
        self._source_of = source_of
        self._path: Path | None = None
        self._text = ""
        self._cursor = 0  # where the previous chunk's end was found: chunks come in order

    def ends_block(self, index: int, prompt: str, text: str) -> bool | None:
        """Whether ``text`` ends a block in its file; ``None`` when that is not known."""
        path = None if self._source_of is None else self._source_of(index, prompt)
        if path is None:
            return None
        if path != self._path:
            self._path, self._cursor = path, 0
            try:
                raw = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                raw = ""
            self._text = raw.lstrip("\ufeff").replace("\r\n", "\n")
        tail = text.replace("\r\n", "\n").rstrip()[-_TAIL:]
        if not tail:
            return None
        found = self._text.find(tail, self._cursor)
        if found < 0:
            found = self._text.find(tail)
            if found < 0:
                return None
        self._cursor = found
        return _BLOCK_END.match(self._text, found + len(tail)) is not None


def measure(
    path: Path,
    unit: Unit,
    budget: int,
    count_tokens: Callable[[Sequence[str]], list[int]],
    source_of: SourceOf | None = prompt_source,
) -> Quality:
    """Read the JSONL at ``path`` and count what :class:`Quality` holds.

    ``count_tokens`` maps a batch of texts to their token counts; it is called only for
    texts whose UTF-8 length exceeds ``budget``, since no text has more tokens than bytes.
    ``source_of`` names each record's source file, in which chunk ends are looked up.
    """
    records = over = replacement = broken = non_final = boundary = located = 0
    previous: tuple[str, int | None, int, str] | None = None
    pending: list[str] = []
    sources = _Sources(source_of)

    def flush() -> int:
        count = sum(1 for tokens in count_tokens(pending) if tokens > budget) if pending else 0
        pending.clear()
        return count

    def judge_ending(text: str, index: int, prompt: str) -> tuple[bool, bool]:
        """Whether ``text`` ends on a boundary, and whether its end was found in its file."""
        block = sources.ends_block(index, prompt, text)
        stripped = text.rstrip()
        if stripped and stripped[-1] in _SENTENCE_ENDS:
            return True, block is not None
        if block is not None:
            return block, True
        stripped = text.rstrip(" \t")
        return bool(stripped) and stripped[-1] in _ENDINGS, False

    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            record = json.loads(line)
            completion = record.get("completion", "")
            text = completion[1:] if completion.startswith(" ") else completion
            prompt = record.get("prompt", "")
            part = _part(prompt)
            if previous is not None:
                last_text, last_part, last_index, last_prompt = previous
                final = part is None or last_part is None or part <= last_part
                if not final:
                    ends, found = judge_ending(last_text, last_index, last_prompt)
                    non_final += 1
                    boundary += ends
                    located += found
            previous = (text, part, index, prompt)
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
    return Quality(records, over, replacement, broken, non_final, boundary, located)
