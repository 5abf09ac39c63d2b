"""Chunker plugins: an installed package's entry point shows up like the built-ins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner

from blog2jsonl import OptionsError, PluginError, iter_records
from blog2jsonl.chunkers import ChunkerRegistry, ChunkerSpec, get_registry
from blog2jsonl.chunkers.builtin import register_chunkers
from blog2jsonl.cli import main

PLUGIN = """
from blog2jsonl import Chunk, ChunkerOption, ChunkerSpec


class ParagraphChunker:
    def __init__(self, min_chars=1):
        self.min_chars = min_chars

    def chunk(self, document):
        start, part = 0, 0
        for piece in document.text.split("\\n\\n"):
            if len(piece) >= self.min_chars:
                part += 1
                yield Chunk(piece, part, start, start + len(piece))
            start += len(piece) + 2


def register_chunkers(register):
    register(ChunkerSpec("paragraphs", "One part per paragraph.", ParagraphChunker,
                         (ChunkerOption("min_chars", int, 1, "skip shorter paragraphs"),)))


def broken(register):
    raise RuntimeError("this plugin is broken")
"""


def install_plugin(root: Path, entry_points: str) -> None:
    """Lay out a package and its dist-info, as pip would, in a folder on sys.path."""
    (root / "para_plugin.py").write_text(dedent(PLUGIN))
    info = root / "para_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: para-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(dedent(entry_points))


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    get_registry.cache_clear()
    yield tmp_path
    get_registry.cache_clear()  # plugins never leak into other tests


def test_builtins_register_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="blog2jsonl.chunkers") if e.name == "builtin"]
    assert entry.load() is register_chunkers
    assert get_registry().names()[:3] == ["chars", "tokens", "headings"]


def test_installed_plugin_is_listed_and_usable(plugin_path: Path) -> None:
    install_plugin(
        plugin_path,
        """
        [blog2jsonl.chunkers]
        paragraphs = para_plugin:register_chunkers
        """,
    )
    post = plugin_path / "post.md"
    post.write_text("# Title\n\nFirst paragraph.\n\nOk.\n\nThird one here.\n")
    runner = CliRunner()
    listing = runner.invoke(main, ["chunkers"])
    assert "paragraphs: One part per paragraph." in listing.stdout
    assert "min_chars (int): skip shorter paragraphs [default: 1]" in listing.stdout
    result = runner.invoke(main, [str(post), "--chunker", "paragraphs", "-O", "min_chars=4"])
    assert result.exit_code == 0, result.stderr
    completions = [json.loads(line)["completion"] for line in result.stdout.splitlines()]
    assert completions == [" # Title", " First paragraph.", " Third one here."]
    records = list(iter_records([post], chunker="paragraphs", chunker_options={"min_chars": 100}))
    assert records == []


def test_broken_plugin_is_reported_and_builtins_still_work(plugin_path: Path) -> None:
    install_plugin(
        plugin_path,
        """
        [blog2jsonl.chunkers]
        broken = para_plugin:broken
        """,
    )
    post = plugin_path / "post.md"
    post.write_text("Words.\n")
    result = CliRunner().invoke(main, [str(post)])
    assert result.exit_code == 0
    assert "chunker plugin 'broken' (para_plugin:broken) failed to load" in result.stderr
    assert "this plugin is broken" in result.stderr


def test_registry_rejects_duplicate_names_and_bad_options() -> None:
    registry = ChunkerRegistry()
    register_chunkers(registry.register)
    with pytest.raises(PluginError, match="already registered"):
        registry.register(ChunkerSpec("chars", "again", object))  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="takes a int, not 'many'"):
        registry.create("chars", {"max_chars": "many"})
    with pytest.raises(OptionsError, match="overlap must be"):
        registry.create("chars", {"max_chars": "10", "overlap": "10"})
    assert registry.create("chars", {"max_chars": "10"}).max_chars == 10  # type: ignore[attr-defined]
