"""Dedupe: a record whose text was already written is dropped and counted."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from blog2jsonl import Diagnostic, Options, convert
from blog2jsonl.dedupe import Deduplicator
from blog2jsonl.pipeline import iter_results


def test_texts_compare_with_whitespace_normalised() -> None:
    dedupe = Deduplicator()
    assert dedupe.keep("a.md", ["one  two\nthree", "four"]).indices == (0, 1)
    kept = dedupe.keep("b.md", [" one two three ", "five"])
    assert kept.indices == (1,) and kept.dropped == 1 and kept.copy_of is None
    copy = dedupe.keep("c.md", ["four", "one two   three"])
    assert copy.indices == () and copy.copy_of == "a.md"
    mixed = dedupe.keep("d.md", ["four", "five"])
    assert mixed.indices == () and mixed.copy_of is None  # repeats two posts


def test_a_part_repeated_inside_one_post_is_dropped() -> None:
    kept = Deduplicator().keep("a.md", ["same", "other", "same"])
    assert kept.indices == (0, 1) and kept.dropped == 1


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_post_copied_under_two_paths_is_reported_once(tmp_path: Path) -> None:
    body = "A post worth reading.\n\n" + " ".join(f"Sentence {i} of many." for i in range(60))
    write(tmp_path / "blog" / "en" / "post.md", f"---\ntitle: Post\n---\n{body}")
    write(tmp_path / "blog" / "fr" / "post.md", f"---\ntitle: Billet\n---\n{body}")
    write(tmp_path / "blog" / "other.md", "Something else entirely.\n")
    diagnostics: list[Diagnostic] = []
    options = Options(chunker_options={"max_chars": 300})
    results = list(iter_results([tmp_path / "blog"], options, report=diagnostics.append))
    copy = next(r for r in results if r.display.endswith("fr/post.md"))
    original = next(r for r in results if r.display.endswith("en/post.md"))
    assert copy.status == "skipped" and copy.reason == "duplicate"
    assert copy.duplicates == len(original.records) > 1
    notes = [d for d in diagnostics if d.path == copy.display]
    assert len(notes) == 1 and "same text as" in notes[0].message
    assert original.display in notes[0].message

    summary = convert([tmp_path / "blog"], tmp_path / "out.jsonl", options)
    assert summary.duplicates == len(original.records)
    assert summary.skipped["duplicate"] == 1
    assert any("duplicate records dropped" in line for line in summary.lines())
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == summary.records == len(original.records) + 1

    everything = Options(chunker_options={"max_chars": 300}, dedupe=False)
    kept = convert([tmp_path / "blog"], tmp_path / "all.jsonl", everything)
    assert kept.records == 2 * len(original.records) + 1 and kept.duplicates == 0


def test_memory_is_a_digest_per_record_and_a_name_per_post() -> None:
    texts = [f"Paragraph number {i}, " * 20 for i in range(20_000)]
    tracemalloc.start()
    dedupe = Deduplicator()
    before = tracemalloc.get_traced_memory()[0]
    for post in range(2_000):
        dedupe.keep(f"posts/{post:05d}.md", texts[post * 10 : post * 10 + 10])
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # Not the texts (~400 bytes each): about 100 bytes a record, 100 a post.
    assert held < 150 * 20_000 + 150 * 2_000, held
    assert dedupe.keep("again.md", texts[:3]).copy_of == "posts/00000.md"
