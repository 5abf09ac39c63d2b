"""Sites end to end: a site's root in, what its generator publishes out (CLI and library).

The generators' own rules are tested in test_site_hexo/hugo/jekyll.py; here, detection,
the summary, --explain, --now, metadata, and the shared corpora laid out as sites.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from blog2jsonl import Options, OptionsError, convert
from blog2jsonl.cli import main
from blog2jsonl.pipeline import iter_results
from blog2jsonl.sites import detect

NOW = "2024-06-01T12:00:00Z"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def body(name: str) -> str:
    return " ".join(f"{name} sentence {i}." for i in range(20)) + "\n"


@pytest.fixture
def hugo(tmp_path: Path) -> Path:
    root = tmp_path / "hugo"
    write(root / "hugo.toml", 'baseURL = "https://example.org/"\ntitle = "A blog"\n')
    write(
        root / "content/post/old.md", f"+++\ntitle = 'Old'\ndate = 2023-01-01\n+++\n{body('old')}"
    )
    write(root / "content/post/drafty.md", f"---\ntitle: Drafty\ndraft: true\n---\n{body('d')}")
    write(root / "content/post/later.md", f"---\ntitle: Later\ndate: 2025-01-01\n---\n{body('l')}")
    write(
        root / "content/post/bundle/index.md",
        f"---\ntitle: Bundle\ndate: 2024-02-03\n---\n{body('b')}",
    )
    write(root / "content/post/_index.md", f"---\ntitle: Posts\n---\n{body('section')}")
    write(root / "README.md", "Not content.\n")
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_hugo_root_is_read_as_hugo_publishes_it(hugo: Path) -> None:
    assert detect(hugo) == ("hugo", "hugo.toml")
    code, out, err = run(str(hugo), "--now", NOW, "--metadata")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted({r["meta"]["source"] for r in records}) == [
        "content/post/bundle/index.md",
        "content/post/old.md",
    ]
    assert "read as a hugo site (from hugo.toml)" in err
    assert re.search(r"skipped: 3 \(draft: 1, future: 1, page: 1\)", err), err
    meta = next(r["meta"] for r in records if r["meta"]["source"].endswith("index.md"))
    assert meta["generator"] == "hugo" and meta["url"] == "/post/bundle/"
    assert meta["date"].startswith("2024-02-03")


def test_flags_take_drafts_future_and_pages(hugo: Path) -> None:
    code, out, err = run(str(hugo), "--now", NOW, "--drafts", "--future", "--pages", "--metadata")
    assert code == 0, err
    sources = {json.loads(line)["meta"]["source"] for line in out.splitlines()}
    assert len(sources) == 5 and "README.md" not in sources


def test_now_makes_builds_reproducible(hugo: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        code, _, err = run(str(hugo), "--now", NOW, "-o", str(tmp_path / f"{name}.jsonl"))
        assert code == 0, err
        outputs.append((tmp_path / f"{name}.jsonl").read_bytes())
    assert outputs[0] == outputs[1]
    # A later build time publishes the post dated 2025.
    code, _, err = run(str(hugo), "--now", "2026-01-01", "-o", str(tmp_path / "c.jsonl"))
    assert code == 0 and (tmp_path / "c.jsonl").read_bytes() != outputs[0]
    assert run(str(hugo), "--now", "yesterday")[0] == 2


def test_explain_lists_every_file_with_its_reason(hugo: Path) -> None:
    code, _, err = run(str(hugo), "--now", NOW, "--explain", "-q")
    assert code == 0
    lines = dict(line.split(": ", 1) for line in err.splitlines() if "content/" in line)
    assert lines == {
        f"{hugo}/content/post/_index.md": "skipped: page",
        f"{hugo}/content/post/bundle/index.md": "taken (1 record)",
        f"{hugo}/content/post/drafty.md": "skipped: draft",
        f"{hugo}/content/post/later.md": "skipped: future",
        f"{hugo}/content/post/old.md": "taken (1 record)",
    }


def test_site_choice(hugo: Path, tmp_path: Path) -> None:
    # plain reads every Markdown file; a generator named for a non-site is refused.
    code, out, _ = run(str(hugo), "--site", "plain", "--keep-duplicates")
    assert code == 0 and len(out.splitlines()) == 6
    plain = tmp_path / "posts"
    write(plain / "a.md", body("a"))
    assert run(str(plain), "--site", "jekyll")[0] == 2
    assert run(str(plain))[0] == 0  # auto: a plain folder
    with pytest.raises(OptionsError, match="reads one folder"):
        list(iter_results([plain / "a.md"], Options(site="hugo")))


def test_jekyll_future_post_waits_for_its_date(tmp_path: Path) -> None:
    root = tmp_path / "jekyll"
    write(root / "_config.yml", "title: x\n")
    write(root / "_posts/2024-01-01-now.md", f"---\ntitle: Now\n---\n{body('n')}")
    write(root / "_posts/2030-01-01-later.md", f"---\ntitle: Later\n---\n{body('l')}")
    write(root / "_posts/notes.md", body("notes"))
    summary = convert([root], tmp_path / "o.jsonl", now=NOW)
    assert summary.site == "jekyll site (from _config.yml and _posts/)"
    assert summary.converted == 1 and summary.skipped == {"future": 1, "not a post": 1}
    assert convert([root], tmp_path / "o.jsonl", now="2031-01-01").converted == 2


def test_a_split_of_a_site_is_by_published_post(hugo: Path, tmp_path: Path) -> None:
    summary = convert(
        [hugo], tmp_path / "s.jsonl", now=NOW, val_ratio=0.5, drafts=True, future=True
    )
    assert summary.converted == 4 and summary.validation_posts == 2


# --- the shared corpora, laid out as sites ----------------------------------------------


def test_jessfraz_blog_as_a_hugo_site_skips_its_three_drafts(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpora / "jessfraz-blog" / "post", root / "content" / "post")
    write(root / "config.toml", 'baseURL = "https://blog.jessfraz.com/"\n')
    drafts = sorted(
        f"content/post/{path.name}"
        for path in (corpora / "jessfraz-blog" / "post").glob("*.md")
        if re.search(r"^draft\s*=\s*true", path.read_text(encoding="utf-8"), re.M)
    )
    assert len(drafts) == 3 and "content/post/reverse-vpn-for-all-the-things.md" in drafts
    results = list(iter_results([root], Options(now=NOW)))
    assert sorted(r.source.name for r in results if r.reason == "draft" and r.source) == drafts
    assert all(r.status == "converted" for r in results if r.reason != "draft")
    summary = convert([root], tmp_path / "o.jsonl", now=NOW)
    assert summary.skipped["draft"] == 3 and summary.site == "hugo site (from config.toml)"


def test_hexo_news_posts_get_their_date_from_the_file_name(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpora / "hexo-site", root / "source")
    write(root / "_config.yml", "new_post_name: :year-:month-:day-:title.md\n")
    write(root / "package.json", '{"dependencies": {"hexo": "^6.0.0"}}\n')
    posts = sorted((root / "source" / "_posts").glob("*.md"))
    undated = [p for p in posts if not re.search(r"^date:", p.read_text(encoding="utf-8"), re.M)]
    assert undated, "the corpus has news posts dated only by their file name"
    results = {r.source.name: r for r in iter_results([root], Options(now=NOW)) if r.source}
    for path in undated:
        result = results[f"source/_posts/{path.name}"]
        assert result.status == "converted", result
        meta = result.records[0].meta
        assert meta is not None and meta["date"] == path.name[:10] and meta["generator"] == "hexo"
    pages = [r for r in results.values() if r.reason == "page"]
    assert len(pages) > 100  # the docs, in nine languages, are pages, not posts
