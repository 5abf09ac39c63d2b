"""Tests for ``blog2jsonl.check.fix``: the corrected copy ``check --fix`` writes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from blog2jsonl.check import CheckOptions, check_files, fix_file
from blog2jsonl.errors import OptionsError

FIXTURES = Path(__file__).parent / "fixtures" / "check"


def chat(user: str, assistant: str) -> dict[str, object]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    }


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_broken_chat(tmp_path: Path) -> None:
    out = tmp_path / "fixed.jsonl"
    result = fix_file(FIXTURES / "broken_chat.jsonl", out)
    assert (result.format, result.rows, result.written) == ("chat", 18, 4)
    assert result.dropped_unreadable == (2,)
    assert result.dropped_empty == (11,)
    assert result.dropped_invalid == (3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 17)
    assert result.changed
    # Written as read, key for key ('meta' included: it is a warning, not an error).
    originals = (FIXTURES / "broken_chat.jsonl").read_text().splitlines()
    assert records(out) == [json.loads(originals[i - 1]) for i in (1, 5, 16, 19)]
    assert result.lines() == [
        "dropped 1 unreadable row (line 2)",
        "dropped 12 rows that do not fit the chat format "
        "(lines 3, 4, 6, 7, 8, 9, 10, 12, 13, 14 … and 2 more)",
        "dropped 1 empty example (line 11)",
        f"wrote 4 of 18 rows to {out}",
    ]


def test_fixed_file_has_no_errors(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    lines = [json.dumps(chat(f"Question {i}?", f"Answer {i}.")) for i in range(12)]
    lines[3:3] = [
        lines[0],  # a duplicate
        "{broken",
        json.dumps(chat("", "empty question")),
        json.dumps(chat("Say <|endoftext|>", "No.")),
        json.dumps(chat("Long?", "word " * 200)),
    ]
    source.write_text("\n".join(lines) + "\n")
    options = CheckOptions(max_tokens=100)
    before = check_files([source], options)
    assert before.errors == 4

    out = tmp_path / "fixed.jsonl"
    result = fix_file(source, out, options=options)
    assert result.dropped_duplicate == (4,)
    assert result.dropped_unreadable == (5,)
    assert result.dropped_empty == (6,)
    assert result.dropped_special == (7,)
    assert result.dropped_too_long == (8,)
    assert result.written == 12
    after = check_files([out], options)
    assert after.errors == 0, after.text()
    assert "duplicate" not in {f.category for f in after.files[0].findings}


def test_legacy_conventions(tmp_path: Path) -> None:
    out = tmp_path / "fixed.jsonl"
    result = fix_file(
        FIXTURES / "legacy_completion.jsonl",
        out,
        separator="\n\n###\n\n",
        stop=" END",
        leading_space=True,
    )
    assert result.separator_added == result.stop_added == result.space_added == (1, 2, 3, 4)
    assert records(out)[0] == {
        "prompt": "Summarise: the cat sat on the mat.\n\n###\n\n",
        "completion": " A cat sat. END",
    }
    assert result.lines()[:3] == [
        "added the separator '\\n\\n###\\n\\n' to 4 prompts",
        "added the stop sequence ' END' to 4 completions",
        "added a leading space to 4 completions",
    ]
    legacy = {
        f.category for f in check_files([out]).files[0].findings if f.category.startswith("legacy")
    }
    assert legacy == set()


def test_conventions_already_there_are_kept(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text(
        json.dumps({"prompt": "a ->", "completion": " b END"})
        + "\n"
        + json.dumps({"prompt": "c", "completion": "d"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = fix_file(source, out, separator=" ->", stop=" END", leading_space=True)
    assert result.separator_added == result.stop_added == result.space_added == (2,)
    assert records(out) == [
        {"prompt": "a ->", "completion": " b END"},
        {"prompt": "c ->", "completion": " d END"},
    ]


def test_conventions_only_for_completion(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(OptionsError, match="completion files only"):
        fix_file(FIXTURES / "broken_chat.jsonl", out, separator="###")
    assert not out.exists()


def test_csv_rows_become_objects_with_the_header_keys(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl.gz"
    result = fix_file(FIXTURES / "completion.csv", out)
    assert (result.written, result.dropped_unreadable, result.dropped_empty) == (3, (6,), (7,))
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert json.loads(lines[1]) == {
        "prompt": "A cell that runs\nover three\nlines ->",
        "completion": " Quoted cells may hold newlines.",
    }


def test_tsv_and_json(tmp_path: Path) -> None:
    fix_file(FIXTURES / "alpaca.tsv", tmp_path / "a.jsonl")
    assert records(tmp_path / "a.jsonl")[1] == {
        "instruction": "Translate\nthis",
        "input": "bonjour",
        "output": "hello",
    }
    result = fix_file(FIXTURES / "examples.json", tmp_path / "b.jsonl")
    assert result.dropped_invalid == (6,) and result.dropped_empty == (8,)
    assert str(records(tmp_path / "b.jsonl")[0]["text"]).startswith("The first")


def test_deterministic(tmp_path: Path) -> None:
    fix_file(FIXTURES / "broken_chat.jsonl", tmp_path / "one.jsonl")
    fix_file(FIXTURES / "broken_chat.jsonl", tmp_path / "two.jsonl")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_forced_format(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text(json.dumps({"text": "t", "prompt": "p", "completion": " c"}) + "\n")
    result = fix_file(source, tmp_path / "out.jsonl", options=CheckOptions(format="text"))
    assert (result.format, result.written) == ("text", 1)


def test_unreadable_or_undetectable_raise(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(OptionsError, match="cannot read"):
        fix_file(tmp_path / "missing.jsonl", out)
    source = tmp_path / "data.jsonl"
    source.write_text('{"question": "q", "answer": "a"}\n')
    with pytest.raises(OptionsError, match="cannot tell the format"):
        fix_file(source, out)
    assert not out.exists()


def test_corrupt_gzip_leaves_no_output(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl.gz"
    source.write_bytes(gzip.compress(b'{"text": "one"}\n' * 5000)[:200])
    out = tmp_path / "out.jsonl"
    with pytest.raises(OptionsError, match="cannot read"):
        fix_file(source, out)
    assert not out.exists()


def test_nothing_to_fix(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text(json.dumps({"text": "t"}) + "\n")
    result = fix_file(source, tmp_path / "out.jsonl")
    assert not result.changed
    assert result.lines() == [f"wrote 1 of 1 row to {tmp_path / 'out.jsonl'}"]


def test_in_place(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text('{"text": "t"}\n{"text": "t"}\n')
    fix_file(source, source)
    assert source.read_text() == '{"text": "t"}\n'
