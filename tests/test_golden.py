"""Golden tests: the JSONL of sample_posts/ is pinned, for every built-in chunker and
format, and for a train/validation split.

After an intended change of output, regenerate with
``BLOG2JSONL_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl import Options, convert

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "sample_posts"

CASES: dict[str, dict[str, Any]] = {
    "chars": {"chunker": "chars"},
    "chars-300-metadata": {
        "chunker": "chars",
        "chunker_options": {"max_chars": 300},
        "metadata": True,
    },
    "tokens-128": {"chunker": "tokens", "chunker_options": {"max_tokens": 128}, "metadata": True},
    "headings": {"chunker": "headings", "metadata": True},
    "legacy-conventions": {
        "chunker": "tokens",
        "separator": "\n\n###\n\n",
        "stop": " END",
        "prompt_template": "{title} ({part}/{parts})",
    },
    "format-chat": {"format": "chat"},
    "format-chat-system": {"format": "chat", "system": "You write this blog's posts."},
    "format-text": {"format": "text"},
    "format-text-template": {"format": "text", "text_template": "# {prompt}\n{text}\n"},
    "format-alpaca": {"format": "alpaca", "system": "You write this blog's posts."},
    "format-sharegpt-metadata": {"format": "sharegpt", "metadata": True, "chunker": "headings"},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_posts_match_golden(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = convert([ROOT / "sample_posts"], out, Options(**CASES[name]))
    assert summary.ok
    expected = GOLDEN / f"{name}.jsonl"
    if os.environ.get("BLOG2JSONL_UPDATE_GOLDEN"):
        expected.write_bytes(out.read_bytes())
    assert out.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


def test_split_matches_golden(tmp_path: Path) -> None:
    options = Options(chunker="chars", chunker_options={"max_chars": 500}, val_ratio=0.3, seed=7)
    summary = convert([ROOT / "sample_posts"], tmp_path / "split.jsonl", options)
    assert summary.ok and summary.split
    for side in ("train", "val"):
        out = tmp_path / f"split.{side}.jsonl"
        expected = GOLDEN / f"split-500-0.3-seed-7.{side}.jsonl"
        if os.environ.get("BLOG2JSONL_UPDATE_GOLDEN"):
            expected.write_bytes(out.read_bytes())
        assert out.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
