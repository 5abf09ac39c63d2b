"""Output formats, presets, sidecars, splits, dedupe, LLaMA-Factory and ``check``, through
the command line (click's CliRunner, stdout and stderr read separately).

Expected records are derived from a plain completion-format run of the same posts, not
written out by hand: every format carries the same prompt and text, in its own shape.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from blog2jsonl.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_posts"
FORMATS = ("completion", "chat", "text", "alpaca", "sharegpt")
# Enough parts of the six sample posts for a training file without errors.
MANY = ("--max-chars", "400")
ENCODINGS = {"gpt-4o-mini": "o200k_base", "gpt-3.5-turbo": "cl100k_base"}
VERDICT = re.compile(r"^([\d,]+) errors?, ([\d,]+) warnings?$")

Record = dict[str, object]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: object) -> Result:
    return runner.invoke(main, [str(arg) for arg in args])


def convert(runner: CliRunner, *args: object) -> Result:
    """Run the converter and insist that it succeeded."""
    result = run(runner, *args)
    assert result.exit_code == 0, result.stderr
    return result


def read_jsonl(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def parse_jsonl(text: str) -> list[Record]:
    return [json.loads(line) for line in text.splitlines()]


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def chat(user: str, assistant: str) -> Record:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    }


def verdict(report: str) -> tuple[int, int]:
    """The error and warning counts of a text report's last line."""
    match = VERDICT.match(report.strip().splitlines()[-1])
    assert match, report
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def sources(sidecar: Path) -> set[str]:
    return {str(meta["source"]) for meta in read_jsonl(sidecar)}


@pytest.fixture(scope="module")
def baseline() -> list[tuple[str, str]]:
    """(prompt, text) of every record of the sample posts, from the completion format."""
    result = CliRunner().invoke(main, [str(SAMPLES), *MANY])
    assert result.exit_code == 0, result.stderr
    pairs = []
    for record in parse_jsonl(result.stdout):
        completion = str(record["completion"])
        assert completion.startswith(" ") and not completion[1:2].isspace()
        pairs.append((str(record["prompt"]), completion[1:]))
    assert len(pairs) > 10
    return pairs


# Formats


SHAPES: dict[str, Callable[[str, str], Record]] = {
    "completion": lambda prompt, text: {"prompt": prompt, "completion": " " + text},
    # No leading space and no stop sequence: those are the legacy completion conventions.
    "chat": chat,
    "text": lambda prompt, text: {"text": f"{prompt}\n\n{text}"},
    "alpaca": lambda prompt, text: {"instruction": prompt, "input": "", "output": text},
    "sharegpt": lambda prompt, text: {
        "conversations": [{"from": "human", "value": prompt}, {"from": "gpt", "value": text}]
    },
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_shapes_the_same_records(
    runner: CliRunner, baseline: list[tuple[str, str]], fmt: str
) -> None:
    result = convert(runner, SAMPLES, *MANY, "--format", fmt)
    assert parse_jsonl(result.stdout) == [SHAPES[fmt](*pair) for pair in baseline]


@pytest.mark.parametrize("fmt", ["chat", "alpaca", "sharegpt"])
def test_system_message(runner: CliRunner, baseline: list[tuple[str, str]], fmt: str) -> None:
    # \n on the command line reads as a newline, as for --separator.
    result = convert(runner, SAMPLES, *MANY, "--format", fmt, "--system", r"Be brief.\nBe kind.")
    system = "Be brief.\nBe kind."
    expected = []
    for pair in baseline:
        shape = SHAPES[fmt](*pair)
        if fmt == "chat":
            messages = shape["messages"]
            assert isinstance(messages, list)
            shape = {"messages": [{"role": "system", "content": system}, *messages]}
        else:
            shape["system"] = system
        expected.append(shape)
    assert parse_jsonl(result.stdout) == expected


def test_text_template(runner: CliRunner, baseline: list[tuple[str, str]]) -> None:
    result = convert(
        runner, SAMPLES, *MANY, "--format", "text", "--text-template", r"### {prompt}\n{text}"
    )
    assert parse_jsonl(result.stdout) == [{"text": f"### {p}\n{t}"} for p, t in baseline]


def test_openai_legacy_preset(runner: CliRunner, baseline: list[tuple[str, str]]) -> None:
    result = convert(runner, SAMPLES, *MANY, "--preset", "openai-legacy")
    lines = parse_jsonl(result.stdout)
    assert lines == [
        {"prompt": prompt + "\n\n###\n\n", "completion": " " + text + " END"}
        for prompt, text in baseline
    ]


@pytest.mark.parametrize(
    ("args", "separator", "stop"),
    [
        (["--separator", r"\n->"], "\n->", " END"),
        (["--stop", " STOP"], "\n\n###\n\n", " STOP"),
        (["--separator", "::", "--stop", "<end>"], "::", "<end>"),
        (["--format", "completion"], "\n\n###\n\n", " END"),
    ],
)
def test_explicit_options_win_over_the_preset(
    runner: CliRunner,
    baseline: list[tuple[str, str]],
    args: list[str],
    separator: str,
    stop: str,
) -> None:
    result = convert(runner, SAMPLES, *MANY, "--preset", "openai-legacy", *args)
    assert parse_jsonl(result.stdout) == [
        {"prompt": prompt + separator, "completion": " " + text + stop} for prompt, text in baseline
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "nope"], "unknown format 'nope'"),
        (["--format", "completion", "--system", "x"], "not completion"),
        (["--format", "text", "--system", "x"], "not text"),
        (["--format", "chat", "--separator", "##"], "not chat"),
        (["--format", "alpaca", "--stop", " END"], "not alpaca"),
        (["--format", "sharegpt", "--separator", "##"], "not sharegpt"),
        (["--format", "text", "--stop", " END"], "not text"),
        (["--format", "chat", "--text-template", "{text}"], "text format only"),
        (["--format", "text", "--text-template", "{prompt} {nope}"], "unknown field {nope}"),
        (["--preset", "openai-legacy", "--format", "chat"], "preset is for the completion"),
        (["--preset", "openai-legacy", "--system", "x"], "not completion"),
        (["--val-ratio", "0.3"], "give -o FILE"),
        (["--val-output", "{tmp}/val.jsonl", "-o", "{tmp}/out.jsonl"], "validation ratio"),
        (["--llama-factory"], "not stdout"),
        (["--check"], "give -o FILE"),
    ],
)
def test_usage_errors_exit_2_before_writing(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run(runner, SAMPLES, *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_lists_the_formats(runner: CliRunner) -> None:
    result = run(runner, SAMPLES, "--format", "jsonish")
    assert result.exit_code == 2
    for name in FORMATS:
        assert name in result.stderr


# Metadata


@pytest.mark.parametrize("fmt", FORMATS)
def test_metadata_warns_once_for_strict_formats(
    runner: CliRunner, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out.jsonl"
    result = convert(runner, SAMPLES, *MANY, "--format", fmt, "--metadata", "-o", out)
    lines = read_jsonl(out)
    assert len(lines) > 1 and all("meta" in line for line in lines)
    warnings = [line for line in result.stderr.splitlines() if "--metadata-file" in line]
    if fmt in ("completion", "chat", "text"):  # trainers that reject unknown keys
        assert len(warnings) == 1, result.stderr  # once per run, not per record
        assert "warning" in warnings[0] and "'meta'" in warnings[0]
    else:
        assert warnings == []
        assert "warning" not in result.stderr


@pytest.mark.parametrize("fmt", ["completion", "alpaca"])
def test_metadata_file_is_aligned_line_for_line(
    runner: CliRunner, tmp_path: Path, fmt: str
) -> None:
    out, side = tmp_path / "out.jsonl", tmp_path / "meta.jsonl"
    result = convert(
        runner,
        SAMPLES,
        *MANY,
        "--format",
        fmt,
        "--prompt-template",
        "{source}#{part}",
        "--metadata-file",
        side,
        "-o",
        out,
    )
    assert "--metadata-file" not in result.stderr  # nothing to warn about
    lines, metas = read_jsonl(out), read_jsonl(side)
    assert len(lines) == len(metas) > 10
    key = "prompt" if fmt == "completion" else "instruction"
    for line, meta in zip(lines, metas, strict=True):
        assert "meta" not in line
        assert line[key] == f"{meta['source']}#{meta['part']}"
    assert sources(side) == {path.name for path in SAMPLES.glob("*.md")}


def test_metadata_warning_is_once_for_a_split_run(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = convert(runner, SAMPLES, *MANY, "--metadata", "-o", out, "--val-ratio", "0.5")
    assert result.stderr.count("--metadata-file") == 1


# Train/validation split


def test_split_by_post(runner: CliRunner, tmp_path: Path) -> None:
    whole = convert(runner, SAMPLES, *MANY, "-q").stdout
    out, side = tmp_path / "out.jsonl", tmp_path / "meta.jsonl"
    result = convert(
        runner, SAMPLES, *MANY, "-o", out, "--metadata-file", side, "--val-ratio", "0.3"
    )
    train, val = tmp_path / "out.train.jsonl", tmp_path / "out.val.jsonl"
    side_train, side_val = tmp_path / "meta.train.jsonl", tmp_path / "meta.val.jsonl"
    assert sorted(tmp_path.iterdir()) == sorted([train, val, side_train, side_val])
    assert len(read_jsonl(train)) == len(read_jsonl(side_train)) > 0
    assert len(read_jsonl(val)) == len(read_jsonl(side_val)) > 0
    # Every record once, on one side or the other.
    assert sorted(map(json.dumps, read_jsonl(train) + read_jsonl(val))) == sorted(
        map(json.dumps, parse_jsonl(whole))
    )
    in_train, in_val = sources(side_train), sources(side_val)
    assert not in_train & in_val
    assert in_train | in_val == {path.name for path in SAMPLES.glob("*.md")}
    assert len(in_val) == 2  # 0.3 of 6 posts, rounded
    assert f"validation: 2 posts, {len(read_jsonl(val))} records" in result.stderr


def test_val_output_names_the_validation_file(runner: CliRunner, tmp_path: Path) -> None:
    out, held = tmp_path / "train.jsonl", tmp_path / "held" / "out.jsonl"
    held.parent.mkdir()
    convert(
        runner, SAMPLES, *MANY, "-o", out, "--val-output", held, "--val-ratio", "0.5", "--metadata"
    )
    assert sorted(tmp_path.rglob("*.jsonl")) == sorted([out, held])
    in_train = {line["meta"]["source"] for line in read_jsonl(out)}
    in_val = {line["meta"]["source"] for line in read_jsonl(held)}
    assert in_train and in_val and not in_train & in_val
    assert len(in_val) == 3


def _split(runner: CliRunner, folder: Path, seed: int) -> tuple[list[bytes], set[str]]:
    """Split the sample posts into ``folder`` with ``seed``: every file's bytes, and the
    posts that went to validation."""
    folder.mkdir()
    out, side = folder / "out.jsonl", folder / "meta.jsonl"
    args = ["-o", out, "--metadata-file", side, "--val-ratio", "0.3", "--seed", seed, "-q"]
    convert(runner, SAMPLES, *MANY, *args)
    names = ["out.train.jsonl", "out.val.jsonl", "meta.train.jsonl", "meta.val.jsonl"]
    return [(folder / name).read_bytes() for name in names], sources(folder / "meta.val.jsonl")


def test_same_seed_same_files_other_seed_other_posts(runner: CliRunner, tmp_path: Path) -> None:
    first = _split(runner, tmp_path / "a", 3)
    again = _split(runner, tmp_path / "b", 3)
    assert first == again
    # Another seed picks other posts (most do: try a few rather than name one).
    others = [_split(runner, tmp_path / f"seed{seed}", seed)[1] for seed in range(4, 12)]
    assert any(picked != first[1] for picked in others)
    assert all(len(picked) == len(first[1]) for picked in others)


def test_split_output_checks_without_overlap(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    convert(runner, SAMPLES, *MANY, "-o", out, "--val-ratio", "0.3", "-q")
    result = run(
        runner, "check", tmp_path / "out.train.jsonl", tmp_path / "out.val.jsonl", "--json"
    )
    assert result.exit_code == 0, result.stdout
    document = json.loads(result.stdout)
    assert [file["kind"] for file in document["files"]] == ["training", "validation"]
    categories = {f["category"] for file in document["files"] for f in file["findings"]}
    assert "train-val-overlap" not in categories


# Dedupe


def test_copied_post_is_noted_once_and_dropped(runner: CliRunner, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLES, posts)
    shutil.copy(posts / "hugo-build-checklist.md", posts / "zz-copy.md")
    out, side = tmp_path / "out.jsonl", tmp_path / "meta.jsonl"
    result = convert(runner, posts, *MANY, "-o", out, "--metadata-file", side)
    kept_out, kept_side = tmp_path / "kept.jsonl", tmp_path / "kept-meta.jsonl"
    kept = convert(
        runner, posts, *MANY, "-o", kept_out, "--metadata-file", kept_side, "--keep-duplicates"
    )

    notes = [line for line in result.stderr.splitlines() if "same text as" in line]
    assert len(notes) == 1, result.stderr
    assert "zz-copy.md" in notes[0] and notes[0].endswith("hugo-build-checklist.md")
    assert "zz-copy.md" not in sources(side)
    assert len(read_jsonl(side)) == len(read_jsonl(out))  # the sidecar drops them too
    # The copy sorts last, so what is left is exactly the sample posts' records.
    assert out.read_text(encoding="utf-8") == convert(runner, SAMPLES, *MANY, "-q").stdout
    dropped = len(read_jsonl(kept_out)) - len(read_jsonl(out))
    copies = [meta for meta in read_jsonl(kept_side) if meta["source"] == "zz-copy.md"]
    assert dropped == len(copies) > 0
    assert f"duplicate records dropped: {dropped}" in result.stderr

    assert "same text as" not in kept.stderr
    assert "duplicate records dropped" not in kept.stderr


# LLaMA-Factory


@pytest.mark.parametrize(
    ("fmt", "system", "formatting", "columns"),
    [
        ("completion", False, "alpaca", {"prompt": "prompt", "response": "completion"}),
        ("text", False, "alpaca", {"prompt": "text"}),
        ("chat", False, "sharegpt", {"messages": "messages"}),
        ("chat", True, "sharegpt", {"messages": "messages"}),
        (
            "alpaca",
            False,
            "alpaca",
            {"prompt": "instruction", "query": "input", "response": "output"},
        ),
        (
            "alpaca",
            True,
            "alpaca",
            {"prompt": "instruction", "query": "input", "response": "output", "system": "system"},
        ),
        ("sharegpt", False, "sharegpt", {"messages": "conversations"}),
        ("sharegpt", True, "sharegpt", {"messages": "conversations", "system": "system"}),
    ],
)
def test_llama_factory_entry(
    runner: CliRunner,
    tmp_path: Path,
    fmt: str,
    system: bool,
    formatting: str,
    columns: dict[str, str],
) -> None:
    out = tmp_path / "blog.jsonl"
    extra = ["--system", "Be brief."] if system else []
    convert(runner, SAMPLES, "--format", fmt, *extra, "-o", out, "--llama-factory")
    info = json.loads((tmp_path / "dataset_info.json").read_text(encoding="utf-8"))
    assert list(info) == ["blog.jsonl"]
    entry = info["blog.jsonl"]
    assert entry["file_name"] == "blog.jsonl"
    assert entry.get("formatting", "alpaca") == formatting  # LLaMA-Factory's default: alpaca
    assert entry["columns"] == columns
    # Every column names a key the records really have.
    first = read_jsonl(out)[0]
    assert set(columns.values()) <= set(first)
    if fmt == "chat":
        tags = entry["tags"]
        messages = first["messages"]
        assert isinstance(messages, list)
        assert all(set(m) == {tags["role_tag"], tags["content_tag"]} for m in messages)
        roles = [m[tags["role_tag"]] for m in messages]
        expected = [tags["user_tag"], tags["assistant_tag"]]
        assert roles == ([tags["system_tag"]] if system else []) + expected


def test_llama_factory_keeps_other_entries_and_registers_both_sides(
    runner: CliRunner, tmp_path: Path
) -> None:
    theirs = {"mine": {"file_name": "mine.json", "formatting": "alpaca"}}
    (tmp_path / "dataset_info.json").write_text(json.dumps(theirs), encoding="utf-8")
    out = tmp_path / "blog.jsonl"
    convert(
        runner, SAMPLES, "--format", "alpaca", "-o", out, "--val-ratio", "0.3", "--llama-factory"
    )
    info = json.loads((tmp_path / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["mine"] == theirs["mine"]
    for name in ("blog.train.jsonl", "blog.val.jsonl"):
        assert info[name]["file_name"] == name
        assert info[name]["formatting"] == "alpaca"
        assert (tmp_path / name).exists()
    assert set(info) == {"mine", "blog.train.jsonl", "blog.val.jsonl"}


# convert --check


def test_check_flag_fails_a_file_with_too_few_examples(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run(runner, SAMPLES, "-o", out, "--check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(read_jsonl(out)) < 10  # the file is written, then judged
    assert "too-few-examples" in result.stderr
    errors, _ = verdict(result.stderr)
    assert errors >= 1


@pytest.mark.parametrize(
    ("model", "encoding"), [(None, "o200k_base"), ("gpt-3.5-turbo", "cl100k_base")]
)
def test_check_flag_passes_a_good_file(
    runner: CliRunner, tmp_path: Path, model: str | None, encoding: str
) -> None:
    out = tmp_path / "out.jsonl"
    extra = [] if model is None else ["--model", model]
    result = run(runner, SAMPLES, *MANY, "-o", out, "--check", *extra)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(read_jsonl(out)) >= 10
    assert f"({encoding} tokens)" in result.stderr
    assert verdict(result.stderr)[0] == 0


def test_check_flag_checks_both_sides_of_a_split(runner: CliRunner, tmp_path: Path) -> None:
    out, held = tmp_path / "blog.jsonl", tmp_path / "held.jsonl"
    args = ["-o", out, "--val-ratio", "0.3", "--val-output", held, "--check"]
    result = run(runner, SAMPLES, *MANY, *args)
    assert result.exit_code == 0, result.stderr
    assert f"{out}: training file" in result.stderr
    # Its name does not say so, but the run wrote it as the validation file.
    assert f"{held}: validation file" in result.stderr


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("my-blog.jsonl", False),  # the control: a neutral name
        ("my-blog.jsonl", True),
        ("my-dev-blog.jsonl", False),
        ("eval-notes.jsonl", False),
        ("my-dev-blog.jsonl", True),
    ],
)
def test_check_flag_judges_the_training_file_as_training_whatever_its_name(
    runner: CliRunner, tmp_path: Path, name: str, split: bool
) -> None:
    # The converter knows which file it wrote for training; a name that happens to hold
    # "dev" or "eval" must not turn it into a validation file, held to no minimum.
    out = tmp_path / name
    extra = ["--val-ratio", "0.3"] if split else []
    result = run(runner, SAMPLES, "-o", out, "--check", *extra)
    train = tmp_path / (name.replace(".jsonl", ".train.jsonl") if split else name)
    assert len(read_jsonl(train)) < 10
    assert f"{train}: training file" in result.stderr
    assert result.exit_code == 1, result.stderr


# check: a round trip for every format and both encodings


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample posts converted to each format, with enough examples."""
    folder = tmp_path_factory.mktemp("formats")
    files = {}
    for fmt in FORMATS:
        out = folder / f"{fmt}.jsonl"
        result = CliRunner().invoke(main, [str(SAMPLES), *MANY, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        files[fmt] = out
    return files


@pytest.mark.parametrize("model", sorted(ENCODINGS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_checks_clean(
    runner: CliRunner, converted: dict[str, Path], fmt: str, model: str
) -> None:
    path = converted[fmt]
    text = run(runner, "check", path, "--model", model)
    assert text.exit_code == 0, text.stdout
    assert f"Checked for {model} ({ENCODINGS[model]} tokens)" in text.stdout
    assert f"{fmt} (detected)" in text.stdout
    assert verdict(text.stdout)[0] == 0
    assert re.search(r"^0 errors, ", text.stdout, re.MULTILINE)

    as_json = run(runner, "check", path, "--model", model, "--json")
    assert as_json.exit_code == 0
    document = json.loads(as_json.stdout)
    assert document["ok"] is True
    assert document["errors"] == 0
    assert document["encoding"] == ENCODINGS[model]
    assert document["model"] == model
    (file,) = document["files"]
    assert file["format"] == fmt
    assert file["examples"] == file["rows"] == len(read_jsonl(path))
    assert (document["errors"], document["warnings"]) == verdict(text.stdout)


# check: exit status, JSON, estimate, limits, fixes, validation files


def test_errors_exit_1_warnings_exit_0(runner: CliRunner, tmp_path: Path) -> None:
    examples = [chat(f"question {i}", f"answer number {i}") for i in range(12)]
    good = write_jsonl(tmp_path / "good.jsonl", examples)
    bad = write_jsonl(tmp_path / "bad.jsonl", examples)
    with bad.open("a", encoding="utf-8") as stream:
        stream.write("not json\n")  # line 13
        stream.write(json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n")  # 14

    fine = run(runner, "check", good)
    assert fine.exit_code == 0
    errors, warnings = verdict(fine.stdout)
    assert errors == 0 and warnings >= 1  # 12 examples: fewer than recommended

    broken = run(runner, "check", bad)
    assert broken.exit_code == 1
    assert verdict(broken.stdout)[0] == 2

    as_json = run(runner, "check", bad, "--json")
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)  # one document, nothing around it
    assert document["ok"] is False
    assert (document["errors"], document["warnings"]) == verdict(broken.stdout)
    errors_found = {
        (f["category"], tuple(f["lines"]))
        for f in document["files"][0]["findings"]
        if f["severity"] == "error"
    }
    assert errors_found == {("not-json", (13,)), ("role-order", (14,))}


def test_price_gives_a_cost(runner: CliRunner, converted: dict[str, Path]) -> None:
    path = converted["chat"]
    plain = json.loads(run(runner, "check", path, "--json").stdout)
    assert plain["files"][0]["estimate"]["cost"] is None
    result = run(runner, "check", path, "--json", "--price-per-mtok", "2.5")
    document = json.loads(result.stdout)
    assert document["price_per_mtok"] == 2.5
    estimate, totals = document["files"][0]["estimate"], document["files"][0]["tokens"]["total"]
    # No example reaches the limit, so every token of every example is billed each epoch.
    assert totals["max"] < document["limit"]
    assert estimate["billed_tokens"] == round(totals["mean"] * totals["count"]) * estimate["epochs"]
    assert estimate["cost"] == pytest.approx(estimate["billed_tokens"] / 1_000_000 * 2.5)

    text = run(runner, "check", path, "--price-per-mtok", "2.5").stdout
    match = re.search(r"about ([\d.,]+) at 2\.5 per 1M tokens", text)
    assert match, text
    assert float(match[1].replace(",", "")) == pytest.approx(estimate["cost"], rel=0.01)


def test_max_tokens_flags_long_examples(runner: CliRunner, tmp_path: Path) -> None:
    examples = [chat(f"question {i}", f"answer number {i}") for i in range(12)]
    long_answer = " ".join(["word"] * 200)  # 200 tokens at least, in any encoding
    examples[3] = chat("a long one", long_answer)
    examples[10] = chat("another long one", long_answer + " again")
    path = write_jsonl(tmp_path / "train.jsonl", examples)

    assert run(runner, "check", path).exit_code == 0
    result = run(runner, "check", path, "--max-tokens", "50", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["limit"] == 50
    over = [f for f in document["files"][0]["findings"] if f["category"] == "over-token-limit"]
    assert [line for f in over for line in f["lines"]] == [4, 11]
    assert all(f["severity"] == "error" for f in over)
    assert "over-token-limit" in run(runner, "check", path, "--max-tokens", "50").stdout


def test_fix_writes_a_copy_with_fewer_errors(runner: CliRunner, tmp_path: Path) -> None:
    examples = [chat(f"question {i}", f"answer number {i}") for i in range(12)]
    bad = write_jsonl(tmp_path / "bad.jsonl", [*examples, examples[0]])  # line 13 repeats 1
    with bad.open("a", encoding="utf-8") as stream:
        stream.write("{broken\n")  # line 14
    before = json.loads(run(runner, "check", bad, "--json").stdout)
    assert before["errors"] > 0

    fixed = tmp_path / "fixed.jsonl"
    result = run(runner, "check", bad, "--fix", "-o", fixed)
    assert result.exit_code == 0, result.stdout
    assert f"fixed {bad} -> {fixed}:" in result.stdout
    assert "dropped 1 unreadable row (line 14)" in result.stdout
    assert "dropped 1 duplicate example (line 13)" in result.stdout
    assert read_jsonl(fixed) == examples

    after = json.loads(run(runner, "check", fixed, "--json").stdout)
    assert after["errors"] < before["errors"]
    assert after["ok"] is True
    assert bad.read_text(encoding="utf-8").count("\n") == 14  # the original is untouched


def test_fix_several_files_into_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", [chat(f"q{i}", f"a{i}") for i in range(11)])
    two = write_jsonl(tmp_path / "two.jsonl", [chat(f"x{i}", f"y{i}") for i in range(11)])
    not_a_folder = tmp_path / "fixed.jsonl"
    refused = run(runner, "check", one, two, "--fix", "-o", not_a_folder)
    assert refused.exit_code == 2
    assert "folder" in refused.stderr
    assert not not_a_folder.exists()

    folder = tmp_path / "fixed"
    folder.mkdir()
    result = run(runner, "check", one, two, "--fix", "-o", folder)
    assert result.exit_code == 0, result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["one.jsonl", "two.jsonl"]
    assert read_jsonl(folder / "one.jsonl") == read_jsonl(one)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fix"], "give -o PATH"),
        (["-o", "{tmp}/out.jsonl"], "go with --fix"),
        (["--separator", "##"], "go with --fix"),
    ],
)
def test_check_usage_errors_exit_2(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [chat("q", "a")])
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run(runner, "check", path, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == [path]


def test_val_marks_a_validation_file_and_finds_overlap(runner: CliRunner, tmp_path: Path) -> None:
    examples = [chat(f"question {i}", f"answer number {i}") for i in range(12)]
    train = write_jsonl(tmp_path / "train.jsonl", examples)
    # A name that does not say "validation": only --val makes it one.
    held = write_jsonl(tmp_path / "holdout.jsonl", [examples[5], chat("new", "fresh"), examples[2]])

    both_training = json.loads(run(runner, "check", train, held, "--json").stdout)
    assert [file["kind"] for file in both_training["files"]] == ["training", "training"]
    assert not any(
        f["category"] == "train-val-overlap"
        for file in both_training["files"]
        for f in file["findings"]
    )

    result = run(runner, "check", train, "--val", held, "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    kinds = {file["path"]: file["kind"] for file in document["files"]}
    assert kinds == {str(train): "training", str(held): "validation"}
    (overlap,) = [
        f
        for file in document["files"]
        for f in file["findings"]
        if f["category"] == "train-val-overlap"
    ]
    assert overlap["lines"] == [1, 3]
    assert str(train) in overlap["message"]
    assert "train-val-overlap" in run(runner, "check", train, "--val", held).stdout
