from __future__ import annotations

import gc
import gzip
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from blog2jsonl.errors import OptionsError
from blog2jsonl.format import FormatOptions
from blog2jsonl.write import (
    dataset_info_updates,
    dumps_record,
    encode_line,
    open_output,
    open_outputs,
    output_plan,
    split_names,
    write_dataset_info,
)

RECORDS: list[dict[str, object]] = [
    {"prompt": "x", "completion": " y"},
    {"prompt": "你好", "completion": " 世界", "meta": {"source": "a.md", "part": 1}},
]


def write_all(target: str | Path | None, records: list[dict[str, object]] = RECORDS) -> None:
    with open_output(target) as out:
        for record in records:
            out.write(dumps_record(record) + "\n")


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


# dumps_record


def test_line_shape() -> None:
    assert dumps_record({"prompt": "x", "completion": " y"}) == (
        '{"prompt": "x", "completion": " y"}'
    )


def test_keys_keep_insertion_order() -> None:
    assert dumps_record({"b": 1, "a": [1, 2]}) == '{"b": 1, "a": [1, 2]}'


def test_chinese_is_not_escaped() -> None:
    assert dumps_record({"prompt": "你好世界"}) == '{"prompt": "你好世界"}'


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085"])
def test_line_breaking_characters_are_escaped(char: str) -> None:
    text = f"one{char}two\nthree\r"
    line = dumps_record({"completion": text})
    assert char not in line
    assert "\n" not in line and "\r" not in line
    assert f"\\u{ord(char):04x}" in line
    assert len(line.splitlines()) == 1
    assert json.loads(line) == {"completion": text}


def test_lone_surrogate_is_escaped_not_an_encoding_error() -> None:
    line = dumps_record({"name": "caf\udce9"})
    line.encode("utf-8")
    assert json.loads(line) == {"name": "caf\udce9"}


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "\u4f60\u597d \u201cquoted\u201d",
        "one\u2028two",
        "a\u0085b\u2029",
        "caf\udce9 \u2028",
        "\ud800",
    ],
)
def test_encoded_line_is_the_dumped_line_in_utf8(text: str) -> None:
    record = {"completion": text, "meta": {"n": 1}}
    data = encode_line(record)
    assert data == (dumps_record(record) + "\n").encode("utf-8")
    assert json.loads(data) == record
    assert data.count(b"\n") == 1 and data.decode("utf-8").splitlines() == [data[:-1].decode()]


def test_any_mapping_is_an_object() -> None:
    record = MappingProxyType({"meta": MappingProxyType({"part": 2})})
    assert dumps_record(record) == '{"meta": {"part": 2}}'


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError):
        dumps_record({"score": float("nan")})
    with pytest.raises(TypeError):
        dumps_record({"when": object()})


# standard output


@pytest.mark.parametrize("target", [None, "-"])
def test_stdout(target: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    print("before")
    write_all(target)
    print("after")
    assert capsys.readouterr().out == (
        "before\n"
        '{"prompt": "x", "completion": " y"}\n'
        '{"prompt": "你好", "completion": " 世界", "meta": {"source": "a.md", "part": 1}}\n'
        "after\n"
    )


def test_stdout_file_descriptor(capfd: pytest.CaptureFixture[str]) -> None:
    write_all(None, [{"prompt": "x"}])
    assert capfd.readouterr().out == '{"prompt": "x"}\n'


def test_stdout_is_utf8_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.BytesIO()
    fake = io.TextIOWrapper(raw, encoding="latin-1", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", fake)
    write_all(None, [{"prompt": "你好"}])
    assert raw.getvalue() == '{"prompt": "你好"}\n'.encode()
    # Left open, and still usable, even after the wrapper is collected.
    gc.collect()
    assert not fake.closed
    fake.write("é")
    fake.flush()
    assert raw.getvalue().endswith(b"\xe9")


# files


def test_file_output(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    write_all(target)
    assert target.read_text(encoding="utf-8").splitlines() == [dumps_record(r) for r in RECORDS]
    assert leftovers(tmp_path) == []


def test_file_appears_only_at_the_end(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with open_output(str(target)) as out:
        out.write("x" * 200_000 + "\n")
        assert not target.exists()
        [temporary] = leftovers(tmp_path)
        assert temporary.startswith(".out.jsonl.")
        # Streamed: most of it is already on its way to disk, not held in memory.
        assert (tmp_path / temporary).stat().st_size >= 100_000
    assert target.stat().st_size == 200_001
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt, SystemExit])
def test_interrupted_write_leaves_nothing(tmp_path: Path, error: type[BaseException]) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(error), open_output(target) as out:
        out.write(dumps_record({"prompt": "x"}) + "\n")
        raise error()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_interrupted_write_keeps_the_old_output(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    target.write_bytes(b"old\n")
    with pytest.raises(KeyboardInterrupt), open_output(target) as out:
        out.write("new\n" * 10_000)
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == [name]


def test_gzip_output(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl.gz"
    write_all(target)
    with gzip.open(target, "rt", encoding="utf-8", newline="") as unpacked:
        assert unpacked.read() == "".join(dumps_record(r) + "\n" for r in RECORDS)
    assert leftovers(tmp_path) == []


def test_gzip_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b" / "a.jsonl.gz"
    second.parent.mkdir()
    write_all(first)
    write_all(second)
    assert first.read_bytes() == second.read_bytes()
    header = first.read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # mtime
    assert header[3] & 0x08 == 0  # no file name


def test_missing_folder_is_an_options_error(tmp_path: Path) -> None:
    with (
        pytest.raises(OptionsError, match="does not exist"),
        open_output(tmp_path / "nope" / "out.jsonl"),
    ):
        pytest.fail("the block must not run")
    assert os.listdir(tmp_path) == []


def test_folder_target_is_an_options_error(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="folder"), open_output(tmp_path):
        pytest.fail("the block must not run")


@pytest.mark.usefixtures("umask")
def test_new_file_mode_respects_umask(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    write_all(target)
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.usefixtures("umask")
def test_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o604)
    write_all(target)
    assert target.stat().st_mode & 0o777 == 0o604
    assert target.read_text(encoding="utf-8") != "old\n"


def test_symlink_target_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "data" / "out.jsonl"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "out.jsonl"
    link.symlink_to(real)
    write_all(link, [{"prompt": "x"}])
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == '{"prompt": "x"}\n'
    assert leftovers(tmp_path) == leftovers(real.parent) == []


def test_path_named_dash_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_all(Path("-"), [{"prompt": "x"}])
    assert (tmp_path / "-").read_text(encoding="utf-8") == '{"prompt": "x"}\n'


# --- several outputs: split names, plans, sidecars, dataset_info.json -------------------


@pytest.mark.parametrize(
    ("name", "train", "val"),
    [
        ("out.jsonl", "out.train.jsonl", "out.val.jsonl"),
        ("out.jsonl.gz", "out.train.jsonl.gz", "out.val.jsonl.gz"),
        ("out.json", "out.train.json", "out.val.json"),
        ("out", "out.train.jsonl", "out.val.jsonl"),
        ("dir.v2/out.txt", "dir.v2/out.txt.train.jsonl", "dir.v2/out.txt.val.jsonl"),
    ],
)
def test_split_names(name: str, train: str, val: str) -> None:
    assert split_names(name) == (train, val)


def test_output_plan(tmp_path: Path) -> None:
    out = str(tmp_path / "o.jsonl")
    assert output_plan(None).records == (None,)
    assert output_plan("-").records == (None,)
    plan = output_plan(out, split=True, metadata_out=tmp_path / "m.jsonl")
    assert plan.split and plan.records == split_names(out)
    assert plan.metadata == split_names(str(tmp_path / "m.jsonl"))
    given = output_plan("-", split=True, validation_out=tmp_path / "v.jsonl")
    assert given.records == (None, str(tmp_path / "v.jsonl")) and given.files == given.records[1:]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"out": "-", "split": True}, "give -o FILE"),
        ({"out": "o.jsonl", "validation_out": "v.jsonl"}, "needs a validation ratio"),
        ({"out": "o.jsonl", "metadata_out": "-"}, "must be a file"),
        ({"out": "o.jsonl", "metadata_out": "./o.jsonl"}, "both be written to"),
        ({"out": "o.jsonl", "split": True, "validation_out": "o.jsonl"}, "both be written"),
    ],
)
def test_bad_output_plans(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        output_plan(**kwargs)


def test_outputs_route_records_and_sidecars(tmp_path: Path) -> None:
    plan = output_plan(tmp_path / "o.jsonl", split=True, metadata_out=tmp_path / "m.jsonl")
    with open_outputs(plan) as outputs:
        outputs.write([encode_line({"n": 1})], [encode_line({"source": "a"})])
        outputs.write([encode_line({"n": 2})], [encode_line({"source": "b"})], validation=True)
        outputs.write([encode_line({"n": 3}), encode_line({"n": 4})])
        outputs.write([encode_line({"n": 5})], [encode_line({"source": "c"})], validation=True)
    assert (tmp_path / "o.train.jsonl").read_text() == '{"n": 1}\n{"n": 3}\n{"n": 4}\n'
    assert (tmp_path / "o.val.jsonl").read_text() == '{"n": 2}\n{"n": 5}\n'
    assert (tmp_path / "m.train.jsonl").read_text() == '{"source": "a"}\n{}\n{}\n'
    assert (tmp_path / "m.val.jsonl").read_text() == '{"source": "b"}\n{"source": "c"}\n'


def test_an_interrupted_run_writes_none_of_its_outputs(tmp_path: Path) -> None:
    plan = output_plan(tmp_path / "o.jsonl", split=True, metadata_out=tmp_path / "m.jsonl")
    with pytest.raises(KeyboardInterrupt), open_outputs(plan) as outputs:
        outputs.write([encode_line({"n": 1})])
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_dataset_info_keeps_other_entries(tmp_path: Path) -> None:
    info = tmp_path / "dataset_info.json"
    info.write_text('{"theirs": {"file_name": "theirs.json"}}', encoding="utf-8")
    files = [str(tmp_path / "o.train.jsonl"), str(tmp_path / "o.val.jsonl")]
    write_dataset_info(dataset_info_updates(files, FormatOptions(format="alpaca")))
    data = json.loads(info.read_text(encoding="utf-8"))
    assert list(data) == ["theirs", "o.train.jsonl", "o.val.jsonl"]
    assert data["o.val.jsonl"] == {
        "file_name": "o.val.jsonl",
        "formatting": "alpaca",
        "columns": {"prompt": "instruction", "query": "input", "response": "output"},
    }
    # Running again replaces our entries, not duplicates them.
    write_dataset_info(dataset_info_updates(files, FormatOptions(format="text")))
    again = json.loads(info.read_text(encoding="utf-8"))
    assert list(again) == list(data) and again["o.val.jsonl"]["columns"] == {"prompt": "text"}


def test_a_broken_dataset_info_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "dataset_info.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(OptionsError, match="not a JSON object"):
        dataset_info_updates([str(tmp_path / "o.jsonl")], FormatOptions())
