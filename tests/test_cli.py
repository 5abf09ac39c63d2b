"""The command line, through click's CliRunner (stdout and stderr read separately)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from blog2jsonl.cli import convert_command, main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_posts"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_converts_a_folder_to_stdout(runner: CliRunner) -> None:
    result = runner.invoke(main, [str(SAMPLES)])
    assert result.exit_code == 0, result.stderr
    lines = records(result.stdout)
    assert lines and all(set(r) == {"prompt", "completion"} for r in lines)
    assert lines[0]["prompt"] == "notes on writing Part 1"
    assert "posts read: 6, converted: 6" in result.stderr


def test_output_file_and_summary(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, [str(SAMPLES), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(records(out.read_text(encoding="utf-8"))) == 7
    assert re.search(
        r"records: 7, characters: [\d,]+, tokens: [\d,]+ \(o200k_base\)", result.stderr
    )


def test_gzip_output_is_deterministic(runner: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    for out in (first, second):
        assert runner.invoke(main, [str(SAMPLES), "-o", str(out), "-q"]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    plain = runner.invoke(main, [str(SAMPLES), "-q"]).stdout
    assert gzip.decompress(first.read_bytes()).decode("utf-8") == plain


def test_stdin_is_one_post(runner: CliRunner) -> None:
    result = runner.invoke(main, ["-"], input="---\ntitle: From stdin\n---\nHello there.\n")
    assert result.exit_code == 0
    assert records(result.stdout) == [
        {"prompt": "From stdin Part 1", "completion": " Hello there."}
    ]


def test_bad_post_is_reported_skipped_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "a-good.md", "# Good\n\nFine text.\n")
    write(tmp_path / "b-bad.md", "---\ntitle: x\ndate: 2021-02-30\n---\nBody\n")
    write(tmp_path / "c-good.md", "# Also good\n\nMore text.\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, [str(tmp_path), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'b-bad.md'}:3: impossible date" in result.stderr
    assert "Traceback" not in result.stderr
    prompts = [r["prompt"] for r in records(out.read_text(encoding="utf-8"))]
    assert prompts == ["Good Part 1", "Also good Part 1"]
    assert "failed: 1" in result.stderr


def test_strict_stops_and_leaves_no_output(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "posts" / "a.md", "Fine.\n")
    write(tmp_path / "posts" / "b.md", b"caf\xe9\n".decode("latin-1"))
    (tmp_path / "posts" / "b.md").write_bytes(b"ok\ncaf\xe9\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, [str(tmp_path / "posts"), "-o", str(out), "--strict"])
    assert result.exit_code == 1
    assert "b.md:2: not valid UTF-8" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "posts"]  # no temporary file left


def test_existing_output_is_kept_when_strict_stops(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "bad.md", "+++\ntitle = 'x'\n")
    out = write(tmp_path / "out.jsonl", "old\n")
    result = runner.invoke(main, [str(tmp_path / "bad.md"), "-o", str(out), "--strict"])
    assert result.exit_code == 1
    assert out.read_text() == "old\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no input given"),
        (["--chunker", "nope"], "unknown chunker 'nope'"),
        (["--max-tokens", "100"], "--max-tokens does not apply to the chars chunker"),
        (["--prompt-template", "{title} {nope}"], "unknown field {nope}"),
        (["-O", "novalue"], "is not KEY=VALUE"),
        (["-O", "wat=1"], "has no option 'wat'"),
        (["--chunker", "tokens", "--max-tokens", "2"], "max_tokens must be at least"),
        (["--chunker", "tokens", "--model", "no-such-model"], "--encoding instead"),
        (["-o", "/no/such/dir/out.jsonl"], "does not exist"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    paths = [] if not args else [str(SAMPLES)]
    result = runner.invoke(main, [*paths, *args])
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_separator_and_stop_read_escapes(runner: CliRunner, tmp_path: Path) -> None:
    post = write(tmp_path / "p.md", "# T\n\nText.\n")
    result = runner.invoke(main, [str(post), "--separator", r"\n\n###\n\n", "--stop", " END"])
    assert records(result.stdout) == [
        {"prompt": "T Part 1\n\n###\n\n", "completion": " # T\n\nText. END"}
    ]


def test_metadata_and_template(runner: CliRunner, tmp_path: Path) -> None:
    post = write(
        tmp_path / "blog" / "2024-01-02-hello-world.md",
        "---\ndate: 2024-01-02\ntags: [a, b]\n---\n## Intro\n\nHi.\n",
    )
    result = runner.invoke(
        main,
        [
            str(tmp_path / "blog"),
            "--metadata",
            "--prompt-template",
            "{title} [{part}/{parts}] {source}",
        ],
    )
    (record,) = records(result.stdout)
    assert record["prompt"] == "hello world [1/1] 2024-01-02-hello-world.md"
    assert record["meta"] == {
        "source": "2024-01-02-hello-world.md",
        "title": "hello world",
        "part": 1,
        "parts": 1,
        "heading": ["Intro"],
        "span": [0, 13],
        "chunker": "chars",
        "date": "2024-01-02",
        "tags": ["a", "b"],
    }
    assert post.exists()


def test_quiet_prints_only_errors(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "a.md", "```\nunclosed\n")
    write(tmp_path / "b.md", "---\nx: [\n---\n")
    result = runner.invoke(main, [str(tmp_path), "-q"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()  # no warning, no summary
    assert line.startswith(f"{tmp_path / 'b.md'}:2: bad YAML")


def test_unclosed_fence_warns_with_line(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\ntitle: t\n---\nIntro.\n\n```js\nlet x;\n")
    result = runner.invoke(main, [str(tmp_path / "a.md")])
    assert result.exit_code == 0
    assert (
        f"{tmp_path / 'a.md'}:6: warning: code fence opened here is never closed" in result.stderr
    )
    assert records(result.stdout) == [{"prompt": "t Part 1", "completion": " Intro."}]


def test_empty_post_is_skipped_with_reason(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "index.md", "---\ntitle: Index\n---\n")
    write(tmp_path / "code.md", "```\nonly code\n```\n")
    result = runner.invoke(main, [str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "skipped: 2 (empty after cleaning: 1, no body: 1)" in result.stderr


def test_chunkers_command_lists_builtins_with_options(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chunkers"])
    assert result.exit_code == 0
    for name in ("chars:", "tokens:", "headings:"):
        assert name in result.stdout
    assert "max_tokens (int): tokens per part at most [default: 512]" in result.stdout


def test_help_documents_every_option_with_default(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    command = convert_command
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.opts[-1] in result.stdout, param.opts
            if not param.is_flag and not param.multiple and param.name not in ("model",):
                help_text = param.help or ""
                assert "default" in help_text or param.show_default, param.name
    assert "chunkers" in result.stdout and "--version" in result.stdout


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("blog2jsonl, version ")


def test_python_dash_m_works_the_same(tmp_path: Path) -> None:
    post = write(tmp_path / "p.md", "# Title\n\nSome words.\n")
    done = subprocess.run(
        [sys.executable, "-m", "blog2jsonl", str(post)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert records(done.stdout) == [
        {"prompt": "Title Part 1", "completion": " # Title\n\nSome words."}
    ]


# The command's own exit: exit handlers run, output flushed, the exit status kept.

RUN_WITH_HANDLER = (
    "import atexit, sys\n"
    "atexit.register(print, 'exit handler ran', file=sys.stderr)\n"
    "from blog2jsonl.cli import run\n"
    "sys.argv = ['blog2jsonl', *sys.argv[1:]]\n"
    "run()\n"
)


@pytest.mark.parametrize(
    ("args", "status"),
    [([str(SAMPLES), "-q"], 0), (["--version"], 0), (["--no-such-option"], 2)],
)
def test_run_exits_with_mains_status_after_the_exit_handlers(
    args: list[str], status: int, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITH_HANDLER, *args],
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == status
    assert done.stderr.decode().endswith("exit handler ran\n")
    if args[0] == str(SAMPLES):
        expected = CliRunner().invoke(main, args).stdout_bytes
        assert done.stdout == expected and expected.count(b"\n") > 1


def test_run_leaves_the_usual_exit_to_a_running_thread(tmp_path: Path) -> None:
    script = (
        "import sys, threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()\n"
        "from blog2jsonl.cli import run\n"
        "sys.argv = ['blog2jsonl', '--version']\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.endswith("thread done\n")
