"""The benchmark's quality columns (``benchmarks/quality.py``), judged on chunks of a post
written here: every converter's rows are read by this one function."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from quality import Quality, measure

POST = """\
---
title: A post
---
The first paragraph is hard-wrapped
over two lines, and ends here.

- one item
- another item

| a | b |
|---|---|
| 1 | 2 |
| 3 | 4 |

A last paragraph without a full stop
"""


def judged(tmp_path: Path, chunks: Sequence[str], *, source: bool = True) -> Quality:
    """The quality of ``chunks``, the parts of one post, written as a row's JSONL."""
    post = tmp_path / "post.md"
    post.write_text(POST, encoding="utf-8")
    out = tmp_path / "row.jsonl"
    name = str(post) if source else "A post"
    out.write_text(
        "".join(
            json.dumps({"prompt": f"{name} Part {n}", "completion": " " + chunk}) + "\n"
            for n, chunk in enumerate(chunks, 1)
        ),
        encoding="utf-8",
    )
    return measure(out, "chars", 2000, lambda texts: [0] * len(texts))


@pytest.mark.parametrize(
    "chunk",
    [
        "The first paragraph is hard-wrapped\nover two lines, and ends here.",  # a sentence
        "- one item",  # a list item, trimmed
        "- one item\n",  # the same, with its newline
        "| 1 | 2 |",  # a table row
        "over two lines, and ends here.\n\n- one item\n- another item",  # before a table
    ],
)
def test_a_chunk_that_ends_a_sentence_or_a_block_is_on_a_boundary(
    tmp_path: Path, chunk: str
) -> None:
    quality = judged(tmp_path, [chunk, "A last paragraph without a full stop"])
    assert (quality.non_final, quality.boundary_ends, quality.located) == (1, 1, 1)


@pytest.mark.parametrize(
    "chunk",
    [
        "The first paragraph is hard-wrapped",  # the end of a line, inside a paragraph
        "The first paragraph is hard-wrapped\n",  # the same, with its newline
        "The first paragraph is hard",  # inside a word
    ],
)
def test_a_chunk_cut_inside_a_paragraph_is_not(tmp_path: Path, chunk: str) -> None:
    quality = judged(tmp_path, [chunk, "over two lines, and ends here."])
    assert (quality.non_final, quality.boundary_ends, quality.located) == (1, 0, 1)


def test_a_chunk_not_found_in_its_file_is_judged_by_its_last_character(tmp_path: Path) -> None:
    changed = ["Text a converter rewrote\n", "Text a converter rewrote", "Rewritten."]
    quality = judged(tmp_path, [*changed, "the last part"])
    assert (quality.non_final, quality.boundary_ends, quality.located) == (3, 2, 0)


def test_without_a_source_file_chunks_are_judged_by_their_last_character(
    tmp_path: Path,
) -> None:
    chunks = ["The first paragraph is hard-wrapped\n", "- one item", "the last part"]
    quality = judged(tmp_path, chunks, source=False)
    assert (quality.non_final, quality.boundary_ends, quality.located) == (2, 1, 0)


def test_the_last_chunk_of_a_post_is_not_counted(tmp_path: Path) -> None:
    quality = judged(tmp_path, ["The first paragraph is hard"])
    assert (quality.records, quality.non_final, quality.boundary_ends) == (1, 0, 0)
