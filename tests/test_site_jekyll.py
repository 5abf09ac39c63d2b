"""The Jekyll site reader: which files a build takes, and what it knows about them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl.errors import OptionsError, PostError
from blog2jsonl.load import load_post
from blog2jsonl.models import JSONValue, Source
from blog2jsonl.sites import Entry, SiteOptions, Verdict
from blog2jsonl.sites.jekyll import JEKYLL, JekyllSite, slugify

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def make_site(root: Path, files: Mapping[str, str], config: str = "title: Test\n") -> Path:
    """Write ``_config.yml`` and ``files`` (name -> text) below ``root``; return it."""
    (root / "_posts").mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def open_site(root: Path, **options: Any) -> JekyllSite:
    reason = JEKYLL.detect(root)
    assert reason is not None
    return JEKYLL.open(root, replace(SiteOptions(now=NOW), **options), reason)


def judge(site: JekyllSite, entry: Entry) -> Verdict:
    post = load_post(Source(entry.path, str(entry.path), entry.name))
    return site.judge(entry, post)


def taken(site: JekyllSite) -> list[str]:
    """The names the site publishes: listed without a skip, then judged without one."""
    return [e.name for e in site.entries() if e.skip is None and judge(site, e).skip is None]


def skips(site: JekyllSite) -> dict[str, str | None]:
    """Every listed name with its skip reason, from the listing or else the verdict."""
    return {e.name: e.skip or judge(site, e).skip for e in site.entries()}


def metadata(site: JekyllSite, name: str) -> Mapping[str, JSONValue]:
    entry = next(e for e in site.entries() if e.name == name)
    verdict = judge(site, entry)
    assert verdict.skip is None
    return verdict.metadata


POST = "---\ntitle: A post\n---\n\nBody.\n"


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    return make_site(
        tmp_path / "site",
        {
            "_posts/2020-01-02-hello.md": POST,
            "_posts/2017-2-5-i-dont-like-zeroes.md": POST,
            "_posts/notes.md": POST,
            "_posts/2020-03-04-hidden.md": "---\npublished: false\n---\nx\n",
            "_posts/2099-01-01-later.md": POST,
            "_posts/2020-05-06-data.json": "{}",
            "_drafts/idea.md": POST,
            "_includes/x.md": "included\n",
            "_layouts/post.md": "layout\n",
            "_site/2020/01/02/hello.md": POST,
            "vendor/bundle/_posts/2020-01-01-gem.md": POST,
            "node_modules/x/readme.md": "x\n",
            ".git/_posts/2020-01-01-git.md": POST,
            "about.md": "---\ntitle: About\n---\nMe.\n",
            "plain.md": "No front matter: a static file.\n",
            "news/_posts/2020-01-01-a.md": POST,
        },
    )


def test_detect_needs_config_and_posts_but_no_gemfile(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {})
    assert not (site / "Gemfile").exists()
    assert JEKYLL.detect(site) == "_config.yml and _posts/"
    (site / "_posts").rmdir()
    assert JEKYLL.detect(site) is None
    only_posts = tmp_path / "only"
    (only_posts / "_posts").mkdir(parents=True)
    assert JEKYLL.detect(only_posts) is None
    (only_posts / "_config.toml").write_text('title = "x"\n', encoding="utf-8")
    assert JEKYLL.detect(only_posts) == "_config.toml and _posts/"


def test_entries_and_skip_reasons(blog: Path) -> None:
    site = open_site(blog)
    assert skips(site) == {
        "_drafts/idea.md": "draft",
        "_includes/x.md": "not a post",
        "_layouts/post.md": "not a post",
        "_posts/2017-2-5-i-dont-like-zeroes.md": None,
        "_posts/2020-01-02-hello.md": None,
        "_posts/2020-03-04-hidden.md": "unpublished",
        "_posts/2099-01-01-later.md": "future",
        "_posts/notes.md": "not a post",
        "about.md": "page",
        "news/_posts/2020-01-01-a.md": None,
        "plain.md": "page",
    }
    names = [e.name for e in site.entries()]
    assert names == sorted(names)
    assert taken(site) == [
        "_posts/2017-2-5-i-dont-like-zeroes.md",
        "_posts/2020-01-02-hello.md",
        "news/_posts/2020-01-01-a.md",
    ]


def test_post_facts_pad_the_file_name_date(blog: Path) -> None:
    entries = {e.name: e for e in open_site(blog).entries()}
    zeroes = entries["_posts/2017-2-5-i-dont-like-zeroes.md"]
    assert (zeroes.kind, dict(zeroes.facts)) == (
        "post",
        {"date": "2017-02-05", "slug": "i-dont-like-zeroes"},
    )
    assert entries["_drafts/idea.md"].kind == "draft"


def test_drafts_only_when_asked(blog: Path) -> None:
    assert "_drafts/idea.md" in taken(open_site(blog, drafts=True))
    config = "show_drafts: true\n"
    shown = open_site(make_site(blog, {}, config))
    assert "_drafts/idea.md" in taken(shown)
    assert "date" not in metadata(shown, "_drafts/idea.md")  # Jekyll would use the mtime


def test_future_posts_with_option_or_config(blog: Path) -> None:
    later = "_posts/2099-01-01-later.md"
    assert later not in taken(open_site(blog))
    assert later in taken(open_site(blog, future=True))
    assert later in taken(open_site(make_site(blog, {}, "future: true\n")))


def test_pages_only_when_asked_and_only_with_front_matter(blog: Path) -> None:
    site = open_site(blog, pages=True)
    assert skips(site)["about.md"] is None
    assert skips(site)["plain.md"] == "not rendered"
    assert metadata(site, "about.md") == {"generator": "jekyll", "url": "/about.html"}


def test_folder_categories_join_front_matter_ones(tmp_path: Path) -> None:
    site = open_site(
        make_site(
            tmp_path,
            {
                "news/_posts/2020-01-01-a.md": "---\ncategories: Big tech\n---\nx\n",
                "news/_posts/sub/2020-01-02-b.md": "---\ncategory: Big tech\n---\nx\n",
            },
        )
    )
    first = metadata(site, "news/_posts/2020-01-01-a.md")
    assert first["categories"] == ["news", "Big", "tech"]
    assert first["url"] == "/news/big/tech/2020/01/01/a.html"
    # The singular key is one category, not split; folders below _posts are not categories.
    second = metadata(site, "news/_posts/sub/2020-01-02-b.md")
    assert second["categories"] == ["news", "Big tech"]
    assert second["url"] == "/news/big%20tech/2020/01/02/b.html"


def test_metadata_of_a_post(tmp_path: Path) -> None:
    text = (
        "---\ntitle: T\ndate: 2020-01-03 10:00:00\nlast_modified_at: 2020-02-01\n"
        "tags: one two\nslug: Custom Slug\nlang: fr\n---\nx\n"
    )
    site = open_site(make_site(tmp_path, {"_posts/2020-01-01-file-slug.md": text}))
    assert metadata(site, "_posts/2020-01-01-file-slug.md") == {
        "generator": "jekyll",
        "language": "fr",
        "date": "2020-01-03T10:00:00",
        "updated": "2020-02-01",
        "tags": ["one", "two"],
        "slug": "Custom Slug",
        "url": "/2020/01/03/Custom-Slug.html",
    }


def test_tag_lists_are_kept_whole(tmp_path: Path) -> None:
    site = open_site(
        make_site(tmp_path, {"_posts/2020-01-01-a.md": "---\ntags: [a b, 2]\n---\nx\n"})
    )
    assert metadata(site, "_posts/2020-01-01-a.md")["tags"] == ["a b", "2"]


@pytest.mark.parametrize(
    ("config", "front", "url"),
    [
        ("", "", "/blog/2020/01/02/hello-world.html"),
        ("permalink: date\n", "", "/blog/2020/01/02/hello-world.html"),
        ("permalink: pretty\n", "", "/blog/2020/01/02/hello-world/"),
        ("permalink: ordinal\n", "", "/blog/2020/002/hello-world.html"),
        ("permalink: none\n", "", "/blog/hello-world.html"),
        ("permalink: /:year/:i_month/:i_day/:slug\n", "", "/2020/1/2/hello-world"),
        ("permalink: /:short_year/:title:output_ext\n", "", "/20/hello-world.html"),
        ("", "permalink: /custom/:title/\n", "/custom/hello-world/"),
        ("", "permalink: /fixed.html\n", "/fixed.html"),
    ],
)
def test_permalinks(tmp_path: Path, config: str, front: str, url: str) -> None:
    posts = {"blog/_posts/2020-01-02-hello-world.md": f"---\n{front}---\nx\n"}
    site = open_site(make_site(tmp_path, posts, config))
    assert metadata(site, "blog/_posts/2020-01-02-hello-world.md")["url"] == url


def test_baseurl_and_base_url(tmp_path: Path) -> None:
    posts = {"_posts/2020-01-02-a.md": POST}
    root = make_site(tmp_path, posts, "baseurl: /site/\n")
    assert metadata(open_site(root), "_posts/2020-01-02-a.md")["url"] == "/site/2020/01/02/a.html"
    absolute = open_site(root, base_url="https://example.org/")
    expected = "https://example.org/site/2020/01/02/a.html"
    assert metadata(absolute, "_posts/2020-01-02-a.md")["url"] == expected
    # The site's own `url` is left alone (often a placeholder): only --base-url counts.
    root = make_site(tmp_path, posts, "url: https://me.example\n")
    assert metadata(open_site(root), "_posts/2020-01-02-a.md")["url"] == "/2020/01/02/a.html"


def test_timezone_places_dates_without_zone(tmp_path: Path) -> None:
    posts = {
        "_posts/2024-06-01-today.md": POST,
        "_posts/2024-05-31-zoned.md": "---\ndate: 2024-05-31 23:30:00 -05:00\n---\nx\n",
    }
    config = "timezone: America/New_York\n"
    # A file-name date is midnight in the site's zone: 2024-06-01 04:00 UTC in New York,
    # so at 03:00 UTC the post is still in the future there, though not in UTC.
    assert "_posts/2024-06-01-today.md" in taken(open_site(make_site(tmp_path, posts, config)))
    early = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
    site = open_site(make_site(tmp_path, posts, config), now=early)
    assert skips(site)["_posts/2024-06-01-today.md"] == "future"
    utc = open_site(make_site(tmp_path, posts, ""), now=early)
    assert skips(utc)["_posts/2024-06-01-today.md"] is None
    # A zoned time is shown in the site's zone in the URL, as Jekyll's YAML loader does.
    zoned = metadata(open_site(make_site(tmp_path, posts, config)), "_posts/2024-05-31-zoned.md")
    assert zoned["url"] == "/2024/06/01/zoned.html"
    assert zoned["date"] == "2024-05-31T23:30:00-05:00"


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ("title: [unclosed\n", "_config.yml:2"),
        ("title: x\n  bad: indent\n", "_config.yml:2"),
        ("- a list\n", "_config.yml"),
        ("timezone: Mars/Olympus\n", "_config.yml"),
        ("permalink: 3\n", "_config.yml"),
    ],
)
def test_broken_config(tmp_path: Path, config: str, where: str) -> None:
    root = make_site(tmp_path, {}, config)
    with pytest.raises(OptionsError, match=re.escape(where)):
        JEKYLL.open(root, SiteOptions(now=NOW), "_config.yml and _posts/")


def test_exclude_and_collections_dir(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "_posts/2020-01-01-a.md": POST,
            "old/_posts/2019-01-01-b.md": POST,
            "notes/todo.md": POST,
        },
        "exclude: [old, notes/]\n",
    )
    assert [e.name for e in open_site(root).entries()] == ["_posts/2020-01-01-a.md"]
    root = make_site(
        tmp_path / "c",
        {"posts/_posts/2020-01-01-a.md": POST, "posts/x/_posts/2020-01-02-b.md": POST},
        "collections_dir: posts\n",
    )
    site = open_site(root)
    assert taken(site) == ["posts/_posts/2020-01-01-a.md", "posts/x/_posts/2020-01-02-b.md"]
    assert "categories" not in metadata(site, "posts/_posts/2020-01-01-a.md")
    assert metadata(site, "posts/x/_posts/2020-01-02-b.md")["categories"] == ["x"]


def test_links_outside_the_site_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text(POST, encoding="utf-8")
    root = make_site(tmp_path / "site", {"_posts/2020-01-01-a.md": POST})
    (root / "_posts" / "2020-01-02-link.md").symlink_to(outside)
    (root / "_posts" / "2020-01-03-inside.md").symlink_to(root / "_posts" / "2020-01-01-a.md")
    names = [e.name for e in open_site(root).entries()]
    assert names == ["_posts/2020-01-01-a.md", "_posts/2020-01-03-inside.md"]


def test_slugify_modes() -> None:
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("Hello, World!", pretty=True, cased=True) == "Hello,-World!"
    assert slugify("café au lait") == "café-au-lait"


# -- the real corpora ---------------------------------------------------------------

_POST_FILE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}-.+\.(md|markdown|mkdn|mkd|mkdown)")


def _expected_posts(site: Path) -> set[str]:
    """Files in a ``_posts`` folder below ordinary folders, named like posts."""
    found = set()
    for path in site.rglob("*"):
        parts = path.relative_to(site).parts
        if "_posts" not in parts or not path.is_file():
            continue
        above = parts[: parts.index("_posts")]
        if any(part.startswith(("_", ".")) for part in above):
            continue
        if _POST_FILE.fullmatch(path.name):
            found.add(path.relative_to(site).as_posix())
    return found


def _run(site: JekyllSite) -> tuple[dict[str, str | None], dict[str, Verdict]]:
    listed: dict[str, str | None] = {}
    verdicts: dict[str, Verdict] = {}
    for entry in site.entries():
        listed[entry.name] = entry.skip
        if entry.skip is None:
            try:
                verdicts[entry.name] = judge(site, entry)
            except PostError:
                continue  # the corpus holds deliberately broken posts
    return listed, verdicts


def test_jekyll_test_source_corpus(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpora / "jekyll" / "test" / "source", root)
    (root / "_config.yml").write_text("title: corpus\n", encoding="utf-8")
    listed, verdicts = _run(open_site(root, now=datetime(2100, 1, 1, tzinfo=UTC)))

    expected = _expected_posts(root)
    assert "_posts/2017-2-5-i-dont-like-zeroes.md" in expected
    assert "_posts/2013-08-01-mkdn-extension.mkdn" in expected
    assert "_posts/2014-03-22-escape-+ %20[].markdown" in expected
    listed_posts = {name for name, skip in listed.items() if skip is None}
    assert listed_posts == expected
    # A folder named like a post is not one, nor is what it holds.
    assert "_posts/2013-03-19-not-a-post.markdown" not in listed
    assert listed["_posts/2013-03-19-not-a-post/dubious.markdown"] == "not a post"
    assert listed["_thanksgiving/2015-11-26-thanksgiving.md"] == "not a post"

    published = {name for name, verdict in verdicts.items() if verdict.skip is None}
    assert expected - published == {"_posts/2008-02-02-not-published.markdown"}
    assert verdicts["_posts/2008-02-02-not-published.markdown"].skip == "unpublished"
    zeroes = verdicts["_posts/2017-2-5-i-dont-like-zeroes.md"].metadata
    assert zeroes["date"] == "2017-02-05"
    assert zeroes["url"] == "/2017/02/05/i-dont-like-zeroes.html"
    assert verdicts["category/_posts/2008-09-23-categories.markdown"].metadata["categories"] == [
        "category"
    ]


def test_jekyll_docs_corpus(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(corpora / "jekyll" / "docs", root)
    (root / "_config.yml").write_text("title: docs\n", encoding="utf-8")
    listed, verdicts = _run(open_site(root, now=datetime(2100, 1, 1, tzinfo=UTC)))

    expected = _expected_posts(root)
    assert len(expected) > 50
    assert {name for name, skip in listed.items() if skip is None} == expected
    docs = {name: skip for name, skip in listed.items() if name.startswith("_docs/")}
    assert docs and set(docs.values()) == {"not a post"}
    assert {skip for name, skip in listed.items() if name.startswith("pages/")} == {"page"}
    assert all(verdicts[name].skip is None for name in expected if name in verdicts)
