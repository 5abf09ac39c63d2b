"""The Hugo site reader: which files Hugo would publish, and what it says about them.

Each test lays out a small Hugo site in ``tmp_path`` and asserts exactly which entries
are taken and why the others are skipped. The build time is fixed (like ``--now``).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl.errors import OptionsError
from blog2jsonl.load import load_post
from blog2jsonl.models import Source
from blog2jsonl.sites import Entry, Generator, SiteOptions, SiteReader, Verdict
from blog2jsonl.sites.hugo import HUGO, HugoSite

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def post(front: str = "", body: str = "Hello.\n") -> str:
    """A YAML front-matter post."""
    return f"---\n{textwrap.dedent(front).strip()}\n---\n{body}" if front.strip() else body


def toml_post(front: str, body: str = "Hello.\n") -> str:
    return f"+++\n{textwrap.dedent(front).strip()}\n+++\n{body}"


def open_site(root: Path, **options: Any) -> HugoSite:
    reason = HUGO.detect(root)
    assert reason is not None
    return HUGO.open(root, SiteOptions(now=options.pop("now", NOW), **options), reason)


def judge(site: HugoSite, entry: Entry) -> Verdict:
    loaded = load_post(Source(entry.path, str(entry.path), entry.name))
    return site.judge(entry, loaded)


def outcome(site: HugoSite) -> dict[str, str | None]:
    """Every entry's name and skip reason (``None`` when taken), in listing order."""
    result: dict[str, str | None] = {}
    for entry in site.entries():
        result[entry.name] = entry.skip if entry.skip else judge(site, entry).skip
    return result


def taken(site: HugoSite) -> list[str]:
    return [name for name, skip in outcome(site).items() if skip is None]


def verdicts(site: HugoSite) -> dict[str, Verdict]:
    """The verdicts of the entries taken, by name."""
    found = {entry.name: judge(site, entry) for entry in site.entries() if entry.skip is None}
    return {name: verdict for name, verdict in found.items() if verdict.skip is None}


def test_satisfies_the_protocols(tmp_path: Path) -> None:
    write(tmp_path, {"hugo.toml": ""})
    generator: Generator = HUGO
    reader: SiteReader = open_site(tmp_path)
    assert (generator.name, reader.name, reader.root, reader.reason) == (
        "hugo",
        "hugo",
        tmp_path,
        "hugo.toml",
    )


# --- detection and configuration ------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"hugo.toml": ""}, "hugo.toml"),
        ({"hugo.yaml": ""}, "hugo.yaml"),
        ({"hugo.yml": ""}, "hugo.yml"),
        ({"hugo.json": "{}"}, "hugo.json"),
        ({"config.toml": ""}, "config.toml"),
        ({"config.yaml": ""}, "config.yaml"),
        ({"config.json": "{}"}, "config.json"),
        ({"config/_default/hugo.toml": ""}, "config/_default"),
        ({"hugo.toml": "", "config.toml": ""}, "hugo.toml"),
        ({"_config.yml": "", "content/a.md": ""}, None),
        ({"content/a.md": ""}, None),
    ],
)
def test_detect(tmp_path: Path, files: dict[str, str], reason: str | None) -> None:
    assert HUGO.detect(write(tmp_path, files)) == reason


CONFIGS = {
    "hugo.toml": {
        "hugo.toml": """
            contentDir = "posts-here"
            [permalinks]
            blog = "/:year/:slug/"
            """
    },
    "config.yaml": {
        "config.yaml": """
            ContentDir: posts-here
            Permalinks:
              blog: /:year/:slug/
            """
    },
    "config.json": {
        "config.json": '{"contentdir": "posts-here", "permalinks": {"blog": "/:year/:slug/"}}'
    },
    "config/_default": {
        "config/_default/hugo.toml": 'contentDir = "posts-here"\n',
        "config/_default/permalinks.yaml": "blog: /:year/:slug/\n",
        "config/_default/params.toml": 'description = "unused"\n',
    },
}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_config_formats_are_read_alike(tmp_path: Path, kind: str) -> None:
    write(tmp_path, CONFIGS[kind])
    write(
        tmp_path,
        {
            "posts-here/blog/first.md": post("title: First\ndate: 2020-05-06"),
            "content/blog/ignored.md": post("title: Not in contentDir"),
        },
    )
    site = open_site(tmp_path)
    assert site.reason == kind
    result = verdicts(site)
    assert list(result) == ["posts-here/blog/first.md"]
    assert result["posts-here/blog/first.md"].metadata["url"] == "/2020/first/"


def test_root_config_wins_over_config_default(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": 'contentDir = "mine"\n',
            "config/_default/hugo.toml": 'contentDir = "theirs"\ntimeZone = "Asia/Tokyo"\n',
            "mine/a.md": post("date: 2024-06-01T20:00:00"),
            "theirs/b.md": post(),
        },
    )
    # contentDir from hugo.toml; timeZone, which it lacks, from config/_default:
    # 20:00 in Tokyo is 11:00 UTC, before NOW.
    assert outcome(open_site(tmp_path)) == {"mine/a.md": None}


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("hugo.toml", 'title = "x"\nbaseURL = \n', "hugo.toml:2:"),
        ("config.yaml", "title: x\nparams: [a, b\nother: 1\n", "config.yaml:"),
        ("hugo.json", '{"title": "x",\n "a": }\n', "hugo.json:2:"),
        ("config/_default/hugo.toml", "[[broken\n", "hugo.toml:1:"),
        ("config/_default/languages.toml", "[en\n", "languages.toml:1:"),
        ("hugo.yaml", "- just\n- a list\n", "hugo.yaml:"),
        ("hugo.toml", 'timeZone = "Mars/Olympus_Mons"\n', "timeZone"),
    ],
)
def test_unusable_config_is_an_options_error(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    write(tmp_path, {name: text})
    reason = HUGO.detect(tmp_path)
    assert reason is not None
    with pytest.raises(OptionsError, match=re.escape(where)):
        HUGO.open(tmp_path, SiteOptions(now=NOW), reason)


def test_yaml_config_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, {"config.yaml": "title: x\nparams: {a: 1\n  b: [\n"})
    with pytest.raises(OptionsError, match=r"config\.yaml:\d+: unusable Hugo configuration"):
        open_site(tmp_path)


# --- what is published -----------------------------------------------------------------


def publishing_site(root: Path) -> Path:
    return write(
        root,
        {
            "hugo.toml": 'title = "Site"\n',
            "content/posts/a-plain.md": post("title: Plain\ndate: 2024-01-02"),
            "content/posts/b-draft.md": post("title: Draft\ndraft: true"),
            "content/posts/c-draft-toml.md": toml_post("title = 'TOML draft'\ndraft = true"),
            "content/posts/d-cased-draft.md": post("title: Cased\nDraft: true"),
            "content/posts/e-future.md": post("date: 2024-06-02"),
            "content/posts/f-future-publish.md": post("date: 2020-01-01\npublishDate: 2030-01-01"),
            "content/posts/g-future-lowercase.md": post("publishdate: 2024-07-01T00:00:00Z"),
            "content/posts/h-expired.md": post("expiryDate: 2024-05-31"),
            "content/posts/i-not-expired.md": post("expirydate: 2024-06-02"),
            "content/posts/j-never.md": post("build:\n  render: never"),
            "content/posts/k-old-build.md": post("_build:\n  render: false"),
            "content/posts/l-always.md": post("build:\n  render: always\n  list: never"),
            "content/posts/m-not-draft.md": post("draft: false"),
            "content/posts/n-past-publish.md": post("date: 2030-01-01\npublishDate: 2020-01-01"),
            "content/posts/.hidden.md": post(),
            "content/posts/notes.txt": "not Markdown\n",
            "content/about.markdown": post("title: About"),
            "content/headless/index.md": post("headless: true"),
            "content/headless/part.md": post(),
            "content/.git/x.md": post(),
        },
    )


def test_what_is_published_by_default(tmp_path: Path) -> None:
    site = open_site(publishing_site(tmp_path))
    assert outcome(site) == {
        "content/about.markdown": None,
        "content/headless/index.md": "headless",
        "content/headless/part.md": "not a post",
        "content/posts/a-plain.md": None,
        "content/posts/b-draft.md": "draft",
        "content/posts/c-draft-toml.md": "draft",
        "content/posts/d-cased-draft.md": "draft",
        "content/posts/e-future.md": "future",
        "content/posts/f-future-publish.md": "future",
        "content/posts/g-future-lowercase.md": "future",
        "content/posts/h-expired.md": "expired",
        "content/posts/i-not-expired.md": None,
        "content/posts/j-never.md": "not rendered",
        "content/posts/k-old-build.md": "not rendered",
        "content/posts/l-always.md": None,
        "content/posts/m-not-draft.md": None,
        "content/posts/n-past-publish.md": None,
    }


def test_build_flags_take_drafts_future_and_expired(tmp_path: Path) -> None:
    site = open_site(publishing_site(tmp_path), drafts=True, future=True, expired=True)
    skipped = {name: skip for name, skip in outcome(site).items() if skip}
    assert skipped == {
        "content/headless/index.md": "headless",
        "content/headless/part.md": "not a post",
        "content/posts/j-never.md": "not rendered",
        "content/posts/k-old-build.md": "not rendered",
    }


def test_each_flag_alone(tmp_path: Path) -> None:
    publishing_site(tmp_path)
    drafts = taken(open_site(tmp_path, drafts=True))
    assert [n for n in drafts if "draft" in n] == [
        "content/posts/b-draft.md",
        "content/posts/c-draft-toml.md",
        "content/posts/d-cased-draft.md",
        "content/posts/m-not-draft.md",
    ]
    assert "content/posts/e-future.md" not in drafts
    future = taken(open_site(tmp_path, future=True))
    assert {"content/posts/e-future.md", "content/posts/g-future-lowercase.md"} <= set(future)
    assert "content/posts/h-expired.md" not in future
    assert "content/posts/h-expired.md" in taken(open_site(tmp_path, expired=True))


def test_now_decides_future_and_expired(tmp_path: Path) -> None:
    publishing_site(tmp_path)
    later = open_site(tmp_path, now=datetime(2024, 6, 3, tzinfo=UTC))
    result = outcome(later)
    assert result["content/posts/e-future.md"] is None
    assert result["content/posts/i-not-expired.md"] == "expired"
    assert result["content/posts/g-future-lowercase.md"] == "future"


def test_time_zone_applies_to_dates_without_one(tmp_path: Path) -> None:
    files = {"content/p.md": post("date: 2024-06-01T20:00:00"), "content/q.md": post()}
    write(tmp_path / "utc", {"hugo.toml": "", **files})
    write(tmp_path / "tokyo", {"hugo.toml": 'timeZone = "Asia/Tokyo"\n', **files})
    assert outcome(open_site(tmp_path / "utc")) == {"content/p.md": "future", "content/q.md": None}
    tokyo = open_site(tmp_path / "tokyo")
    assert outcome(tokyo) == {"content/p.md": None, "content/q.md": None}
    assert verdicts(tokyo)["content/p.md"].metadata["date"] == "2024-06-01T20:00:00+09:00"


# --- sections, bundles, pages -----------------------------------------------------------


def bundle_site(root: Path) -> Path:
    return write(
        root,
        {
            "hugo.toml": "",
            "content/_index.md": post("title: Home"),
            "content/posts/_index.md": post("title: Posts"),
            "content/posts/_index.zz.md": post("title: not a language, a page named so"),
            "content/posts/regular.md": post("title: Regular"),
            "content/posts/trip/index.md": post("title: Trip"),
            "content/posts/trip/day-1.md": post("title: Day one"),
            "content/posts/trip/extra/notes.md": post(),
            "content/posts/trip/photo.jpg": "",
            "content/posts/branch/_index.md": post("title: Branch"),
            "content/posts/branch/inside.md": post("title: Inside"),
        },
    )


def test_sections_are_pages_and_bundles_hold_resources(tmp_path: Path) -> None:
    site = open_site(bundle_site(tmp_path))
    entries = list(site.entries())
    assert [(e.name, e.kind, e.skip) for e in entries] == [
        ("content/_index.md", "page", "page"),
        ("content/posts/_index.md", "page", "page"),
        ("content/posts/_index.zz.md", "post", None),
        ("content/posts/branch/_index.md", "page", "page"),
        ("content/posts/branch/inside.md", "post", None),
        ("content/posts/regular.md", "post", None),
        ("content/posts/trip/day-1.md", "page", "not a post"),
        ("content/posts/trip/extra/notes.md", "page", "not a post"),
        ("content/posts/trip/index.md", "post", None),
    ]
    assert all(e.language == "en" for e in entries)
    assert entries[-1].facts == {"language": "en", "slug": "trip", "section": "posts"}


def test_sections_are_taken_with_pages(tmp_path: Path) -> None:
    site = open_site(bundle_site(tmp_path), pages=True)
    result = verdicts(site)
    assert list(result) == [
        "content/_index.md",
        "content/posts/_index.md",
        "content/posts/_index.zz.md",
        "content/posts/branch/_index.md",
        "content/posts/branch/inside.md",
        "content/posts/regular.md",
        "content/posts/trip/index.md",
    ]
    urls = {name: verdict.metadata["url"] for name, verdict in result.items()}
    assert urls == {
        "content/_index.md": "/",
        "content/posts/_index.md": "/posts/",
        "content/posts/_index.zz.md": "/posts/_index.zz/",
        "content/posts/branch/_index.md": "/posts/branch/",
        "content/posts/branch/inside.md": "/posts/branch/inside/",
        "content/posts/regular.md": "/posts/regular/",
        "content/posts/trip/index.md": "/posts/trip/",
    }
    assert "slug" not in result["content/_index.md"].metadata
    assert result["content/posts/trip/index.md"].metadata["slug"] == "trip"


# --- cascade ---------------------------------------------------------------------------


def test_cascade_from_ancestor_sections(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": "",
            "content/_index.md": post("cascade:\n  tags: [site]"),
            "content/drafts/_index.md": post("cascade:\n  draft: true"),
            "content/drafts/hidden.md": post(),
            "content/drafts/shown.md": post("draft: false"),
            "content/drafts/deeper/still-hidden.md": post(),
            "content/drafts/deeper/bundle/index.md": post(),
            "content/drafts/undraft/_index.md": toml_post("[cascade]\nDraft = false"),
            "content/drafts/undraft/visible.md": post(),
            "content/unlisted/_index.md": post(
                "cascade:\n  - build:\n      render: never\n    _target:\n      kind: page"
            ),
            "content/unlisted/gone.md": post(),
            "content/open/page.md": post("tags: [own]"),
            "content/open/other.md": post(),
        },
    )
    site = open_site(tmp_path)
    assert {n: s for n, s in outcome(site).items() if not n.endswith("_index.md")} == {
        "content/drafts/deeper/bundle/index.md": "draft",
        "content/drafts/deeper/still-hidden.md": "draft",
        "content/drafts/hidden.md": "draft",
        "content/drafts/shown.md": None,
        "content/drafts/undraft/visible.md": None,
        "content/open/other.md": None,
        "content/open/page.md": None,
        "content/unlisted/gone.md": "not rendered",
    }
    result = verdicts(site)
    assert result["content/open/other.md"].metadata["tags"] == ["site"]
    assert result["content/open/page.md"].metadata["tags"] == ["own"]
    # A section's cascade is for the pages below it, not for itself.
    pages = outcome(open_site(tmp_path, pages=True))
    assert pages["content/drafts/_index.md"] is None
    assert pages["content/drafts/undraft/_index.md"] == "draft"


def test_cascade_follows_the_language(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": "[languages.en]\n[languages.zh]\n",
            "content/posts/_index.zh.md": post("cascade:\n  draft: true"),
            "content/posts/hello.md": post(),
            "content/posts/hello.zh.md": post(),
        },
    )
    assert outcome(open_site(tmp_path)) == {
        "content/posts/_index.zh.md": "page",
        "content/posts/hello.md": None,
        "content/posts/hello.zh.md": "draft",
    }


# --- languages -------------------------------------------------------------------------


def test_language_suffix(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": """
                defaultContentLanguage = "en"
                [languages.en]
                weight = 1
                [languages.zh]
                weight = 2
                """,
            "content/posts/hello.md": post("title: Hello"),
            "content/posts/hello.zh.md": post("title: 你好"),
            "content/posts/v1.2.md": post(),
        },
    )
    site = open_site(tmp_path)
    entries = {e.name: e for e in site.entries()}
    assert [(n, e.language) for n, e in entries.items()] == [
        ("content/posts/hello.md", "en"),
        ("content/posts/hello.zh.md", "zh"),
        ("content/posts/v1.2.md", "en"),
    ]
    result = verdicts(site)
    assert result["content/posts/hello.zh.md"].metadata == {
        "generator": "hugo",
        "language": "zh",
        "slug": "hello",
        "url": "/zh/posts/hello/",
    }
    assert result["content/posts/hello.md"].metadata["url"] == "/posts/hello/"
    assert result["content/posts/v1.2.md"].metadata["slug"] == "v1.2"


def test_default_language_in_subdir(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.yaml": """
                defaultContentLanguage: fr
                defaultContentLanguageInSubdir: true
                languages: {fr: {}, en: {}}
                """,
            "content/a.md": post("url: /fixed"),
            "content/b.en.md": post("url: relative/path"),
            "content/c.md": post(),
        },
    )
    result = verdicts(open_site(tmp_path))
    assert {n: (v.metadata["language"], v.metadata["url"]) for n, v in result.items()} == {
        "content/a.md": ("fr", "/fixed/"),
        "content/b.en.md": ("en", "/en/relative/path/"),
        "content/c.md": ("fr", "/fr/c/"),
    }


def test_per_language_content_dirs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": """
                defaultContentLanguage = "en"
                [languages.en]
                contentDir = "content/english"
                [languages.de]
                contentDir = "content/deutsch"
                """,
            "content/english/posts/hi.md": post(),
            "content/deutsch/posts/hallo.md": post(),
            "content/deutsch/posts/_index.md": post("cascade:\n  draft: true"),
            "content/deutsch/posts/servus.md": post("draft: false"),
            "content/stray.md": post(),
        },
    )
    site = open_site(tmp_path)
    assert [(e.name, e.language) for e in site.entries()] == [
        ("content/deutsch/posts/_index.md", "de"),
        ("content/deutsch/posts/hallo.md", "de"),
        ("content/deutsch/posts/servus.md", "de"),
        ("content/english/posts/hi.md", "en"),
    ]
    assert outcome(site)["content/deutsch/posts/hallo.md"] == "draft"
    urls = {n: v.metadata["url"] for n, v in verdicts(site).items()}
    assert urls == {
        "content/deutsch/posts/servus.md": "/de/posts/servus/",
        "content/english/posts/hi.md": "/posts/hi/",
    }


def test_language_dir_nested_in_shared_content_dir(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": '[languages.en]\n[languages.fr]\ncontentDir = "content/fr"\n',
            "content/a.md": post(),
            "content/fr/b.md": post(),
        },
    )
    assert [(e.name, e.language) for e in open_site(tmp_path).entries()] == [
        ("content/a.md", "en"),
        ("content/fr/b.md", "fr"),
    ]


# --- metadata and URLs -----------------------------------------------------------------


def test_metadata_of_a_published_post(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": "",
            "content/posts/My Post.md": toml_post(
                """
                Title = "My Post"
                date = 2024-01-02T03:04:05+02:00
                publishDate = "2024-01-03"
                lastmod = 2024-02-01
                tags = ["a", "b"]
                categories = "one"
                """
            ),
        },
    )
    [verdict] = verdicts(open_site(tmp_path, base_url="https://example.org/")).values()
    assert verdict == Verdict(
        None,
        {
            "generator": "hugo",
            "language": "en",
            "date": "2024-01-03T00:00:00+00:00",
            "updated": "2024-02-01T00:00:00+00:00",
            "tags": ["a", "b"],
            "categories": ["one"],
            "slug": "My Post",
            "url": "https://example.org/posts/my-post/",
        },
    )


def test_urls(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": """
                [permalinks]
                blog = "/:year/:month/:day/:slug/"
                news = "/:section/:title"
                docs = "/d/:filename/"
                notes = "/:sections/:contentbasename/:slugorfilename"
                """,
            "content/blog/first.md": post("title: First!\ndate: 2020-02-03T04:05:06Z"),
            "content/blog/named.md": post("title: Named\nslug: Custom-Slug\ndate: 2021-12-31"),
            "content/blog/untitled.md": post("date: 2019-08-14T8:09:26-07:00"),
            "content/blog/bundle/index.md": post("title: A Bundle\ndate: 2022-01-01"),
            "content/news/story.md": post("title: Big News, Today!"),
            "content/docs/Guide.md": post("slug: ignored-by-filename"),
            "content/notes/sub/thought.md": post("slug: idea"),
            "content/misc/thing.md": post(),
            "content/misc/moved.md": post("url: /elsewhere/page.html"),
            "content/misc/slugged.md": post("slug: Other"),
            "content/top.md": post(),
        },
    )
    result = verdicts(open_site(tmp_path))
    assert {name: verdict.metadata["url"] for name, verdict in result.items()} == {
        "content/blog/bundle/index.md": "/2022/01/01/a-bundle/",
        "content/blog/first.md": "/2020/02/03/first/",
        "content/blog/named.md": "/2021/12/31/custom-slug/",
        "content/blog/untitled.md": "/2019/08/14/untitled/",
        "content/docs/Guide.md": "/d/guide/",
        "content/misc/moved.md": "/elsewhere/page.html",
        "content/misc/slugged.md": "/misc/other/",
        "content/misc/thing.md": "/misc/thing/",
        "content/news/story.md": "/news/big-news-today/",
        "content/notes/sub/thought.md": "/notes/sub/thought/idea/",
        "content/top.md": "/top/",
    }
    assert result["content/blog/untitled.md"].metadata["date"] == "2019-08-14T08:09:26-07:00"
    assert result["content/blog/named.md"].metadata["slug"] == "Custom-Slug"


def test_base_url_joins_without_double_slash(tmp_path: Path) -> None:
    write(tmp_path, {"hugo.toml": "", "content/p/x.md": post()})
    for base in ("https://example.org", "https://example.org/", "https://example.org/blog/"):
        [verdict] = verdicts(open_site(tmp_path, base_url=base)).values()
        assert verdict.metadata["url"] == base.rstrip("/") + "/p/x/"


def test_disable_path_to_lower(tmp_path: Path) -> None:
    write(tmp_path, {"hugo.toml": "disablePathToLower = true\n", "content/Posts/Big.md": post()})
    [verdict] = verdicts(open_site(tmp_path)).values()
    assert verdict.metadata["url"] == "/Posts/Big/"


def test_listing_ignores_file_system_order(tmp_path: Path) -> None:
    names = ["content/b/z.md", "content/a.md", "content/b/a.md", "content/c/_index.md"]
    write(tmp_path, {"hugo.toml": "", **{name: post() for name in names}})
    assert [e.name for e in open_site(tmp_path).entries()] == [
        "content/a.md",
        "content/b/a.md",
        "content/b/z.md",
        "content/c/_index.md",
    ]


def test_missing_content_dir_lists_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"hugo.toml": ""})
    assert list(open_site(tmp_path).entries()) == []


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path, {"hugo.toml": "", "content/a.md": post(), "elsewhere/b.md": post()})
    (tmp_path / "content" / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert [e.name for e in open_site(tmp_path).entries()] == ["content/a.md"]


def test_symlinked_files_are_read_only_inside_the_site(tmp_path: Path) -> None:
    site_root = write(tmp_path / "site", {"hugo.toml": "", "notes/b.md": post()})
    outside = write(tmp_path / "outside", {"c.md": post()})
    (site_root / "content").mkdir()
    (site_root / "content" / "b.md").symlink_to(site_root / "notes" / "b.md")
    (site_root / "content" / "c.md").symlink_to(outside / "c.md")
    assert [e.name for e in open_site(site_root).entries()] == ["content/b.md"]


# --- a real blog -----------------------------------------------------------------------


def test_jessfraz_blog_as_a_hugo_site(corpora: Path, tmp_path: Path) -> None:
    corpus = corpora / "jessfraz-blog" / "post"
    site_root = tmp_path / "site"
    shutil.copytree(corpus, site_root / "content" / "post")
    (site_root / "config.toml").write_text('baseURL = "https://blog.jessfraz.com/"\n')
    drafts = sorted(
        f"content/post/{path.name}"
        for path in corpus.glob("*.md")
        if re.search(r"^draft\s*=\s*true\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert len(drafts) == 3
    assert "content/post/reverse-vpn-for-all-the-things.md" in drafts
    everything = sorted(f"content/post/{path.name}" for path in corpus.glob("*.md"))

    result = outcome(open_site(site_root))
    assert sorted(result) == everything
    assert sorted(name for name, skip in result.items() if skip) == drafts
    assert {skip for skip in result.values() if skip} == {"draft"}
    assert sorted(taken(open_site(site_root, drafts=True))) == everything
