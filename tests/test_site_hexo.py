"""The Hexo site reader: detection, config, which files are taken, and their metadata."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from blog2jsonl.errors import OptionsError
from blog2jsonl.load import load_post
from blog2jsonl.models import Source
from blog2jsonl.sites import Entry, SiteOptions, Verdict
from blog2jsonl.sites.hexo import HEXO, HexoSite, parse_filename, slugize

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PACKAGE = {"name": "blog", "dependencies": {"hexo": "^7.0.0", "hexo-renderer-marked": "^6"}}


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_site(root: Path, config: str = "", package: object = PACKAGE) -> Path:
    write(root, "_config.yml", config)
    if package is not None:
        write(root, "package.json", json.dumps(package))
    return root


def post(title: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\nSome text about {title}.\n"


def open_site(root: Path, **options: Any) -> HexoSite:
    options.setdefault("now", NOW)
    return HEXO.open(root, SiteOptions(**options), "test")


def judge(site: HexoSite, entry: Entry) -> Verdict:
    loaded = load_post(Source(entry.path, str(entry.path), entry.name))
    return site.judge(entry, loaded)


def outcomes(site: HexoSite) -> dict[str, str | None]:
    """Every entry's name and why it is skipped (``None`` when taken)."""
    result: dict[str, str | None] = {}
    for entry in site.entries():
        result[entry.name] = entry.skip if entry.skip else judge(site, entry).skip
    return result


def taken(site: HexoSite) -> list[str]:
    return [name for name, skip in outcomes(site).items() if skip is None]


def metadata(site: HexoSite, name: str) -> dict[str, object]:
    entry = next(entry for entry in site.entries() if entry.name == name)
    verdict = judge(site, entry)
    assert verdict.skip is None
    return dict(verdict.metadata)


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    root = make_site(tmp_path / "blog")
    src = root / "source"
    write(src, "_posts/hello-world.md", post("Hello", "date: 2020-01-02 10:30:00\ntags: intro\n"))
    write(src, "_posts/secret.md", post("Secret", "date: 2020-01-03\npublished: false\n"))
    write(src, "_posts/later.md", post("Later", "date: 2030-01-01\n"))
    write(src, "_posts/headerless.md", "title: Hi\ndate: 2020-01-01\n---\nbody\n")
    write(src, "_posts/_partial.md", post("Partial"))
    write(src, "_posts/.hidden.md", post("Hidden"))
    write(src, "_posts/image.png", "not markdown")
    write(src, "_drafts/idea.md", post("Idea"))
    write(src, "about/index.md", post("About"))
    write(src, "contact.md", post("Contact"))
    write(src, "_data/x.md", "data\n")
    write(root, "README.md", "not part of the site\n")
    write(root, "themes/landscape/README.md", "not part of the site either\n")
    return root


# --- detection -----------------------------------------------------------------------


def test_detects_config_with_hexo_dependency(tmp_path: Path) -> None:
    make_site(tmp_path)
    assert HEXO.detect(tmp_path) == "_config.yml and package.json (hexo)"


def test_detects_hexo_as_a_dev_dependency(tmp_path: Path) -> None:
    make_site(tmp_path, package={"devDependencies": {"hexo": "7"}})
    assert HEXO.detect(tmp_path) == "_config.yml and package.json (hexo)"


def test_detects_source_posts_alone(tmp_path: Path) -> None:
    (tmp_path / "source" / "_posts").mkdir(parents=True)
    assert HEXO.detect(tmp_path) == "source/_posts/"


@pytest.mark.parametrize(
    "package",
    [
        "{not json",
        '["hexo"]',
        '{"dependencies": ["hexo"]}',
        '{"dependencies": {"gatsby": "5"}}',
    ],
)
def test_a_package_json_without_hexo_is_not_hexo(tmp_path: Path, package: str) -> None:
    write(tmp_path, "_config.yml", "title: x\n")
    write(tmp_path, "package.json", package)
    assert HEXO.detect(tmp_path) is None


def test_a_jekyll_site_is_not_hexo(tmp_path: Path) -> None:
    write(tmp_path, "_config.yml", "title: x\n")
    write(tmp_path, "_posts/2020-01-01-a.md", post("A"))
    assert HEXO.detect(tmp_path) is None


# --- config --------------------------------------------------------------------------


def test_broken_config_is_an_options_error_naming_file_and_line(tmp_path: Path) -> None:
    make_site(tmp_path, "title: ok\npermalink: [unclosed\nroot: /\n")
    with pytest.raises(OptionsError, match=r"_config\.yml:\d+: .*not valid YAML"):
        open_site(tmp_path)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("future: maybe\n", "'future' must be true or false"),
        ("timezone: Mars/Olympus\n", "'timezone' must be a time zone name"),
        ("permalink: [a]\n", "'permalink' must be a string"),
    ],
)
def test_unusable_settings_are_options_errors(tmp_path: Path, config: str, message: str) -> None:
    make_site(tmp_path, config)
    with pytest.raises(OptionsError, match=message):
        open_site(tmp_path)


def test_a_missing_config_means_defaults(tmp_path: Path) -> None:
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-02\n"))
    site = open_site(tmp_path)
    assert taken(site) == ["source/_posts/a.md"]
    assert metadata(site, "source/_posts/a.md")["url"] == "/2020/01/02/a/"


# --- what is taken -------------------------------------------------------------------


def test_default_build_takes_published_posts_only(blog: Path) -> None:
    assert outcomes(open_site(blog)) == {
        "source/_data/x.md": "not a post",
        "source/_drafts/idea.md": "draft",
        "source/_posts/_partial.md": "not a post",
        "source/_posts/headerless.md": None,
        "source/_posts/hello-world.md": None,
        "source/_posts/later.md": None,  # Hexo publishes future posts by default
        "source/_posts/secret.md": "unpublished",
        "source/about/index.md": "page",
        "source/contact.md": "page",
    }


def test_entries_are_sorted_and_kinds_are_known(blog: Path) -> None:
    entries = list(open_site(blog).entries())
    assert [entry.name for entry in entries] == sorted(entry.name for entry in entries)
    kinds = {entry.name: entry.kind for entry in entries}
    assert kinds["source/_drafts/idea.md"] == "draft"
    assert kinds["source/_posts/hello-world.md"] == "post"
    assert kinds["source/contact.md"] == "page"


def test_drafts_option_takes_drafts_and_unpublished_posts(blog: Path) -> None:
    # `hexo server --draft` shows both: Hexo stores drafts as unpublished posts.
    assert taken(open_site(blog, drafts=True)) == [
        "source/_drafts/idea.md",
        "source/_posts/headerless.md",
        "source/_posts/hello-world.md",
        "source/_posts/later.md",
        "source/_posts/secret.md",
    ]


def test_render_drafts_in_config_takes_drafts(blog: Path) -> None:
    write(blog, "_config.yml", "render_drafts: true\n")
    assert "source/_drafts/idea.md" in taken(open_site(blog))


def test_pages_option_takes_pages_but_not_underscore_folders(blog: Path) -> None:
    assert taken(open_site(blog, pages=True)) == [
        "source/_posts/headerless.md",
        "source/_posts/hello-world.md",
        "source/_posts/later.md",
        "source/about/index.md",
        "source/contact.md",
    ]


def test_future_posts_are_hidden_when_the_config_says_so(blog: Path) -> None:
    write(blog, "_config.yml", "future: false\n")
    assert outcomes(open_site(blog))["source/_posts/later.md"] == "future"
    assert "source/_posts/later.md" in taken(open_site(blog, future=True))


def test_future_is_judged_against_options_now(blog: Path) -> None:
    write(blog, "_config.yml", "future: false\n")
    site = open_site(blog, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert outcomes(site)["source/_posts/later.md"] is None


def test_future_uses_the_config_timezone(tmp_path: Path) -> None:
    make_site(tmp_path, "future: false\ntimezone: Asia/Tokyo\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2024-06-01 20:00:00\n"))
    # 20:00 in Tokyo is 11:00 UTC, before NOW (12:00 UTC); in UTC it would be after.
    assert taken(open_site(tmp_path)) == ["source/_posts/a.md"]
    write(tmp_path, "_config.yml", "future: false\n")
    assert outcomes(open_site(tmp_path))["source/_posts/a.md"] == "future"


def test_custom_source_dir(tmp_path: Path) -> None:
    make_site(tmp_path, "source_dir: src\n")
    write(tmp_path, "src/_posts/a.md", post("A"))
    write(tmp_path, "source/_posts/b.md", post("B"))
    assert taken(open_site(tmp_path)) == ["src/_posts/a.md"]


def test_every_markdown_extension_is_read(tmp_path: Path) -> None:
    make_site(tmp_path)
    write(tmp_path, "source/_posts/a.markdown", post("A"))
    write(tmp_path, "source/_posts/b.MD", post("B"))
    write(tmp_path, "source/_posts/c.txt", post("C"))
    assert taken(open_site(tmp_path)) == ["source/_posts/a.markdown", "source/_posts/b.MD"]


def test_posts_in_subfolders_keep_their_folder_in_the_slug(tmp_path: Path) -> None:
    make_site(tmp_path)
    write(tmp_path, "source/_posts/notes/a.md", post("A", "date: 2020-05-06\n"))
    write(tmp_path, "source/_posts/_private/b.md", post("B"))
    site = open_site(tmp_path)
    assert outcomes(site) == {
        "source/_posts/_private/b.md": "not a post",
        "source/_posts/notes/a.md": None,
    }
    meta = metadata(site, "source/_posts/notes/a.md")
    assert meta["slug"] == "notes/a"
    assert meta["url"] == "/2020/05/06/notes/a/"


# --- metadata ------------------------------------------------------------------------


def test_headerless_front_matter_is_read(blog: Path) -> None:
    meta = metadata(open_site(blog), "source/_posts/headerless.md")
    assert meta == {
        "generator": "hexo",
        "date": "2020-01-01",
        "slug": "headerless",
        "url": "/2020/01/01/headerless/",
    }


def test_post_metadata(tmp_path: Path) -> None:
    make_site(tmp_path)
    write(
        tmp_path,
        "source/_posts/full.md",
        post(
            "Full",
            "date: 2021-02-03 04:05:06\nupdated: 2021-03-01\ntags: [a, b]\n"
            "categories:\n  - [Tech, Python]\n  - [Life]\nlang: fr\nslug: ignored\n",
        ),
    )
    assert metadata(open_site(tmp_path), "source/_posts/full.md") == {
        "generator": "hexo",
        "date": "2021-02-03T04:05:06",
        "updated": "2021-03-01",
        "tags": ["a", "b"],
        "categories": ["Tech", "Python", "Life"],
        "language": "fr",
        "slug": "full",  # Hexo overwrites a front matter slug with the file name's
        "url": "/2021/02/03/full/",
    }


def test_a_post_without_any_date_has_no_date_and_no_dated_url(tmp_path: Path) -> None:
    make_site(tmp_path)
    write(tmp_path, "source/_posts/undated.md", post("Undated", "tags: solo\n"))
    meta = metadata(open_site(tmp_path), "source/_posts/undated.md")
    assert meta == {"generator": "hexo", "tags": ["solo"], "slug": "undated"}


def test_date_and_slug_from_the_file_name(tmp_path: Path) -> None:
    make_site(tmp_path, "new_post_name: :year-:month-:day-:title.md\n")
    write(tmp_path, "source/_posts/2020-08-22-hexo-5-1.md", post("Hexo 5.1"))
    write(tmp_path, "source/_posts/2020-08-23-dated.md", post("Dated", "date: 2020-09-01\n"))
    write(tmp_path, "source/_posts/no-date-here.md", post("Plain"))
    site = open_site(tmp_path)
    facts = {entry.name: dict(entry.facts) for entry in site.entries()}
    assert facts == {
        "source/_posts/2020-08-22-hexo-5-1.md": {"date": "2020-08-22", "slug": "hexo-5-1"},
        "source/_posts/2020-08-23-dated.md": {"date": "2020-08-23", "slug": "dated"},
        "source/_posts/no-date-here.md": {"slug": "no-date-here"},
    }
    first = metadata(site, "source/_posts/2020-08-22-hexo-5-1.md")
    assert (first["date"], first["slug"], first["url"]) == (
        "2020-08-22",
        "hexo-5-1",
        "/2020/08/22/hexo-5-1/",
    )
    # The front matter date wins over the file name's.
    assert metadata(site, "source/_posts/2020-08-23-dated.md")["date"] == "2020-09-01"


def test_a_file_name_date_can_make_a_post_future(tmp_path: Path) -> None:
    make_site(tmp_path, "new_post_name: :year-:month-:day-:title.md\nfuture: false\n")
    write(tmp_path, "source/_posts/2099-01-01-soon.md", post("Soon"))
    assert outcomes(open_site(tmp_path)) == {"source/_posts/2099-01-01-soon.md": "future"}


@pytest.mark.parametrize(
    ("rule", "path", "slug", "day"),
    [
        (":year-:month-:day-:title.md", "2020-08-22-hexo-5-1.md", "hexo-5-1", "2020-08-22"),
        (":year/:i_month/:i_day/:title.md", "2017/2/5/zeroes.md", "zeroes", "2017-02-05"),
        (":year-:month-:day-:title.md", "2020-13-40-bad.md", "bad", None),
        (":year-:month-:day-:title.md", "hello world.md", "hello-world", None),
        (":title.md", "nested/deep post.md", "nested/deep post", None),
        (":category/:title.md", "tech/tip.md", "tip", None),
        (":year-:month-:day.md", "2020-01-02.md", "2020-01-02", "2020-01-02"),
    ],
)
def test_parse_filename(rule: str, path: str, slug: str, day: str | None) -> None:
    info = parse_filename(rule, path)
    assert info.slug == slug
    assert (info.date.isoformat() if info.date else None) == day


def test_slugize_like_hexo_util() -> None:
    assert slugize("Héllo, Wörld! 2.0") == "Hello-World-2-0"
    assert slugize("Hello World", transform=1) == "hello-world"
    assert slugize("日本語 ガイド") == "日本語-ガイド"


# --- URLs ----------------------------------------------------------------------------


PERMALINK_POST = post(
    "My Post",
    "date: 2021-02-03 04:05:06\nid: 42\ncategories: [Web Dev, Tips]\nlang: en\n",
)


@pytest.mark.parametrize(
    ("config", "url"),
    [
        ("", "/2021/02/03/my-post/"),
        ("permalink: :year/:title.html\n", "/2021/my-post.html"),
        ("permalink: :i_month/:i_day/:hour:minute:second/\n", "/2/3/040506/"),
        ("permalink: posts/:id/\n", "/posts/42/"),
        ("permalink: :post_title/\n", "/My%20Post/"),
        ("permalink: :name.html\n", "/my-post.html"),
        ("permalink: :category/:title/\n", "/Web-Dev/Tips/my-post/"),
        ("permalink: :lang/:title/\n", "/en/my-post/"),
        ("permalink: :year/:title/\nroot: /blog/\n", "/blog/2021/my-post/"),
        ("permalink: /:title/\nroot: /blog\n", "/blog/my-post/"),
        ("permalink: :title/\ntimezone: America/New_York\n", "/my-post/"),
        ("permalink: :day-:hour/\ntimezone: UTC\n", "/03-04/"),
    ],
)
def test_permalinks(tmp_path: Path, config: str, url: str) -> None:
    make_site(tmp_path, config)
    write(tmp_path, "source/_posts/my-post.md", PERMALINK_POST)
    assert metadata(open_site(tmp_path), "source/_posts/my-post.md")["url"] == url


def test_dates_with_a_zone_are_shown_in_the_site_timezone(tmp_path: Path) -> None:
    make_site(tmp_path, "timezone: Asia/Tokyo\npermalink: :year/:month/:day/:hour/\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2021-12-31T20:00:00Z\n"))
    assert metadata(open_site(tmp_path), "source/_posts/a.md")["url"] == "/2022/01/01/05/"


def test_hash_token(tmp_path: Path) -> None:
    make_site(tmp_path, "permalink: p/:hash/\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-01T00:00:00Z\n"))
    url = metadata(open_site(tmp_path), "source/_posts/a.md")["url"]
    # sha1("a" + "1577836800"), Hexo's post_permalink filter
    assert url == "/p/8eecf2dbed4f/"


def test_category_defaults_and_permalink_defaults(tmp_path: Path) -> None:
    make_site(
        tmp_path,
        "permalink: :lang/:category/:title/\ndefault_category: misc\n"
        "permalink_defaults:\n  lang: en\n",
    )
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-01\n"))
    write(tmp_path, "source/_posts/b.md", post("B", "date: 2020-01-01\nlang: de\ncategories: X\n"))
    site = open_site(tmp_path)
    assert metadata(site, "source/_posts/a.md")["url"] == "/en/misc/a/"
    assert metadata(site, "source/_posts/b.md")["url"] == "/de/X/b/"


def test_an_unknown_permalink_token_leaves_the_url_out(tmp_path: Path) -> None:
    make_site(tmp_path, "permalink: :author/:title/\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-01\n"))
    assert "url" not in metadata(open_site(tmp_path), "source/_posts/a.md")


def test_front_matter_permalink_wins(tmp_path: Path) -> None:
    make_site(tmp_path, "root: /blog/\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-01\npermalink: custom/a/\n"))
    assert metadata(open_site(tmp_path), "source/_posts/a.md")["url"] == "/blog/custom/a/"


def test_base_url_makes_urls_absolute(tmp_path: Path) -> None:
    make_site(tmp_path, "url: https://ignored.example\nroot: /blog/\n")
    write(tmp_path, "source/_posts/a.md", post("A", "date: 2020-01-01\n"))
    site = open_site(tmp_path, base_url="https://example.org/")
    assert metadata(site, "source/_posts/a.md")["url"] == "https://example.org/blog/2020/01/01/a/"
    # Without base_url the URL stays a path: the config's url is not used.
    assert metadata(open_site(tmp_path), "source/_posts/a.md")["url"] == "/blog/2020/01/01/a/"


def test_page_urls(blog: Path) -> None:
    write(blog, "_config.yml", "root: /site/\n")
    write(blog, "source/index.md", post("Home"))
    write(blog, "source/docs/guide.md", post("Guide", "lang: ja\n"))
    site = open_site(blog, pages=True)
    urls = {
        name: metadata(site, name)["url"]
        for name in ("source/index.md", "source/about/index.md", "source/docs/guide.md")
    }
    assert urls == {
        "source/index.md": "/site/",
        "source/about/index.md": "/site/about/",
        "source/docs/guide.md": "/site/docs/guide.html",
    }
    assert metadata(site, "source/docs/guide.md") == {
        "generator": "hexo",
        "language": "ja",
        "url": "/site/docs/guide.html",
    }


# --- a real Hexo site ----------------------------------------------------------------


@pytest.fixture
def hexo_docs_site(corpora: Path, tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(corpora / "hexo-site", root / "source")
    make_site(root, "new_post_name: :year-:month-:day-:title.md\n")
    return root


def test_corpus_posts_take_their_dates_from_file_names(hexo_docs_site: Path) -> None:
    site = open_site(hexo_docs_site)
    assert HEXO.detect(hexo_docs_site) == "_config.yml and package.json (hexo)"
    results = outcomes(site)
    posts = sorted(p.name for p in (hexo_docs_site / "source" / "_posts").iterdir())
    assert len(posts) > 40
    assert {name: results[f"source/_posts/{name}"] for name in posts} == dict.fromkeys(posts)
    assert taken(site) == [f"source/_posts/{name}" for name in posts]
    for name in posts:
        entry = next(e for e in site.entries() if e.name == f"source/_posts/{name}")
        assert entry.kind == "post"
        assert entry.facts["date"] == name[:10]
    # These carry their date only in the file name.
    for name, slug in [
        ("2014-06-14-hexo-2-7-released.md", "hexo-2-7-released"),
        (
            "2020-08-22-hexo-5-1_marked-3-1_math-4_util-2-4.md",
            "hexo-5-1_marked-3-1_math-4_util-2-4",
        ),
    ]:
        loaded = load_post(hexo_docs_site / "source" / "_posts" / name)
        assert "date" not in loaded.metadata
        meta = metadata(site, f"source/_posts/{name}")
        assert (meta["date"], meta["slug"]) == (name[:10], slug)
        assert meta["url"] == f"/{name[:4]}/{name[5:7]}/{name[8:10]}/{slug}/"


@pytest.mark.parametrize("language", ["ko", "pt-br", "ru", "th", "zh-cn", "zh-tw"])
def test_corpus_docs_in_language_folders_are_pages(hexo_docs_site: Path, language: str) -> None:
    prefix = f"source/{language}/docs/"
    results = outcomes(open_site(hexo_docs_site))
    docs = [name for name in results if name.startswith(prefix)]
    assert docs
    assert {results[name] for name in docs} == {"page"}
    with_pages = open_site(hexo_docs_site, pages=True)
    assert set(docs) <= set(taken(with_pages))
    assert metadata(with_pages, f"{prefix}index.md")["url"] == f"/{language}/docs/"
