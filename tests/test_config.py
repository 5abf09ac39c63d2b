"""blog2jsonl.toml: a site's options in a file, and the bare command that uses them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from blog2jsonl.cli import convert_command, main
from blog2jsonl.config import read_config
from blog2jsonl.errors import OptionsError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    for name, title in (("a.md", "Alpha"), ("b.md", "Beta")):
        text = f"---\ntitle: {title}\n---\n" + " ".join(f"{title} word {i}." for i in range(60))
        (root / "posts" / name).write_text(text + "\n", encoding="utf-8")
    return root


@pytest.fixture
def in_folder(site: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(site)
    try:
        yield site
    finally:
        os.chdir(old)


def write_config(site: Path, text: str) -> None:
    (site / "blog2jsonl.toml").write_text(text, encoding="utf-8")


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_bare_command_converts_the_site_in_the_current_folder(in_folder: Path) -> None:
    write_config(in_folder, 'output = "train.jsonl"\nformat = "chat"\nmax-chars = 200\n')
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0, result.stderr
    written = records(in_folder / "train.jsonl")
    assert len(written) > 2 and all("messages" in record for record in written)


def test_a_site_root_given_as_the_input_reads_its_config(site: Path, tmp_path: Path) -> None:
    write_config(site, 'output = "out/train.jsonl"\nmetadata = true\n')
    (site / "out").mkdir()
    result = CliRunner().invoke(main, [str(site)])
    assert result.exit_code == 0, result.stderr
    # A file the config names is relative to the site, not to where the command runs.
    assert [r["meta"]["source"] for r in records(site / "out" / "train.jsonl")] == [  # type: ignore[index]
        "posts/a.md",
        "posts/b.md",
    ]


def test_command_line_flags_win_over_the_config(site: Path, tmp_path: Path) -> None:
    write_config(site, 'output = "train.jsonl"\nformat = "chat"\n')
    out = tmp_path / "elsewhere.jsonl"
    result = CliRunner().invoke(main, [str(site), "-o", str(out), "--format", "text"])
    assert result.exit_code == 0, result.stderr
    assert not (site / "train.jsonl").exists()
    assert all(set(record) == {"text"} for record in records(out))


def test_flags_lists_and_escapes_in_the_config(site: Path) -> None:
    write_config(
        site,
        'output = "o.jsonl"\next = [".md"]\npreset = "openai-legacy"\nkeep-duplicates = true\n',
    )
    result = CliRunner().invoke(main, [str(site)])
    assert result.exit_code == 0, result.stderr
    first = records(site / "o.jsonl")[0]
    assert str(first["prompt"]).endswith("\n\n###\n\n") and str(first["completion"]).endswith(
        " END"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("outptu = 'x.jsonl'\n", r"blog2jsonl\.toml: unknown key 'outptu'"),
        ("output = \n", r"blog2jsonl\.toml:1: not valid TOML"),
        ("[output]\nx = 1\n", r"'output' takes a value, not a table"),
    ],
)
def test_a_bad_config_is_a_usage_error_naming_the_file(site: Path, text: str, message: str) -> None:
    write_config(site, text)
    result = CliRunner().invoke(main, [str(site)])
    assert result.exit_code == 2
    assert re.search(message, result.stderr), result.stderr


def test_a_bad_value_in_the_config_is_a_usage_error(site: Path) -> None:
    write_config(site, 'output = "o.jsonl"\nmax-chars = "many"\n')
    result = CliRunner().invoke(main, [str(site)])
    assert result.exit_code == 2 and "many" in result.stderr


def test_no_config_and_no_input_is_a_usage_error(tmp_path: Path) -> None:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, [])
    finally:
        os.chdir(old)
    assert result.exit_code == 2 and "blog2jsonl.toml" in result.stderr


def long_options() -> list[str]:
    return sorted(
        opt[2:]
        for param in convert_command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    )


def test_every_config_key_is_a_long_option_and_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Every key of blog2jsonl.toml", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z][a-z-]+)`", section))
    assert set(long_options()) <= documented, set(long_options()) - documented


def test_read_config_maps_keys_to_names(tmp_path: Path) -> None:
    path = tmp_path / "blog2jsonl.toml"
    path.write_text('max-chars = 300\ndrafts = true\next = [".md", ".txt"]\n', encoding="utf-8")
    known = {"max-chars": "max_chars", "drafts": "drafts", "ext": "extensions"}
    assert read_config(path, known) == {
        "max_chars": 300,
        "drafts": True,
        "extensions": [".md", ".txt"],
    }
    with pytest.raises(OptionsError, match="cannot read"):
        read_config(tmp_path / "missing.toml", known)
