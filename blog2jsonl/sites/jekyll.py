"""Jekyll: read a site the way ``jekyll build`` does.

A Jekyll site has a ``_config.yml`` and a ``_posts/`` folder. Posts are the files below a
``_posts`` folder (at the root, or below any ordinary folder: ``news/_posts/``, whose
folder names become categories) named ``YYYY-MM-DD-slug.ext``. Drafts live in
``_drafts/``; other Markdown files outside ``_`` folders are pages. Other ``_`` folders
(``_includes``, ``_layouts``, ``_data``, collections such as ``_docs``) hold no posts:
collection documents are not posts, so they are listed as ``"not a post"``.

What is approximated rather than reproduced: front-matter ``defaults`` are not applied,
``include`` is not honoured, collections are never read as posts, and a date Jekyll
would reject stops nothing here (the file-name date is used instead).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
import tomllib
import unicodedata
import urllib.parse
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from ..errors import OptionsError
from ..models import JSONValue, Post
from . import Entry, SiteOptions, Verdict, parse_date

__all__ = ["JEKYLL", "JekyllConfig", "JekyllSite", "read_config", "slugify"]

_CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")

#: Jekyll's default ``markdown_ext``; added to the options' extensions.
_MARKDOWN_EXT = (".markdown", ".mkdown", ".mkdn", ".mkd", ".md")

#: Folders never listed: the build output and installed dependencies.
_IGNORED = frozenset({"_site", "vendor", "node_modules"})

#: Jekyll's built-in permalink styles (``permalink: pretty``).
_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}

# Jekyll's DATE_FILENAME_MATCHER, on the file name only: a date in a folder name above
# does not make a post (`2013-03-19-not-a-post/dubious.markdown`). The year is taken as
# four digits, the month and day padded or not (`2017-2-5-...`).
_POST_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-(.+)")

# English names whatever the locale, as Ruby's strftime gives them.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Characters Utils.slugify keeps besides letters, marks and decimal digits.
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
# What Jekyll's URL.escape_path leaves alone: unreserved, sub-delims, ":", "@" and "/".
_URL_SAFE = "/-._~!$&'()*+,;=:@"
_PLACEHOLDER = re.compile(r":([a-z_]+)")

_EntryMaker: TypeAlias = Callable[[Path, str], Entry]


@dataclass(frozen=True, slots=True)
class JekyllConfig:
    """What blog2jsonl reads of a ``_config.yml``.

    ``permalink`` is the template with built-in styles expanded; ``pretty`` says whether
    it ends with a slash (pages then get folder URLs too). ``exclude`` holds the
    configured patterns, relative to the site root.
    """

    path: Path
    future: bool = False
    drafts: bool = False
    unpublished: bool = False
    permalink: str = _STYLES["date"]
    timezone: dt.tzinfo = dt.UTC
    baseurl: str = ""
    url: str = ""
    exclude: tuple[str, ...] = ()
    collections_dir: str = ""
    markdown_ext: tuple[str, ...] = _MARKDOWN_EXT


class _JekyllGenerator:
    """The :class:`~blog2jsonl.sites.Generator` for Jekyll sites."""

    name: str = "jekyll"

    def detect(self, root: Path) -> str | None:
        """``"_config.yml and _posts/"`` when ``root`` has both, else ``None``.

        A Gemfile is not required: many GitHub Pages sites have none. Hexo sites also
        have a ``_config.yml`` but keep their posts in ``source/_posts``.
        """
        if not (root / "_posts").is_dir():
            return None
        for name in _CONFIG_NAMES:
            if (root / name).is_file():
                return f"{name} and _posts/"
        return None

    def open(self, root: Path, options: SiteOptions, reason: str) -> JekyllSite:
        """Read the site's configuration and return its reader.

        Raises :class:`OptionsError` naming the file (and line) when the configuration
        cannot be read or holds a value of the wrong kind.
        """
        return JekyllSite(root, options, reason, read_config(root))


JEKYLL = _JekyllGenerator()


def read_config(root: Path) -> JekyllConfig:
    """The configuration of the Jekyll site at ``root``; defaults when there is none.

    Raises :class:`OptionsError` for a file that is unreadable, not YAML/TOML, not a
    mapping, or whose ``permalink``, ``timezone`` or ``exclude`` are unusable.
    """
    path = next((root / n for n in _CONFIG_NAMES if (root / n).is_file()), None)
    if path is None:
        return JekyllConfig(root / _CONFIG_NAMES[0])
    raw = _load_config(path)
    return JekyllConfig(
        path=path,
        future=raw.get("future") is True,
        drafts=raw.get("show_drafts") is True,
        unpublished=raw.get("unpublished") is True,
        permalink=_permalink_template(path, raw.get("permalink", "date")),
        timezone=_timezone(path, raw.get("timezone")),
        baseurl=_text(path, raw, "baseurl").rstrip("/"),
        url=_text(path, raw, "url").rstrip("/"),
        exclude=_patterns(path, raw.get("exclude")),
        collections_dir=_text(path, raw, "collections_dir").strip("/"),
        markdown_ext=_markdown_ext(path, raw.get("markdown_ext")),
    )


def _load_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise OptionsError(f"{path}: cannot read the Jekyll configuration: {error}") from None
    try:
        if path.suffix == ".toml":
            loaded: object = tomllib.loads(text)
        else:
            loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = error.problem or error.context or "not valid YAML"
        raise OptionsError(f"{where}: {problem}") from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        raise OptionsError(f"{path}: {error}") from None
    if loaded is None:  # an empty file: all defaults
        return {}
    if not isinstance(loaded, dict):
        raise OptionsError(f"{path}: the Jekyll configuration must be a mapping of settings")
    return {str(key): value for key, value in loaded.items()}


def _text(path: Path, raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OptionsError(f"{path}: {key} must be a string, not {value!r}")
    return value


def _permalink_template(path: Path, value: object) -> str:
    if value is None:
        return _STYLES["date"]
    if not isinstance(value, str) or not value.strip():
        raise OptionsError(f"{path}: permalink must be a style name or a template")
    # Jekyll accepts `permalink: :pretty` as well as `pretty`.
    return _STYLES.get(value.strip().lstrip(":"), value.strip())


def _timezone(path: Path, value: object) -> dt.tzinfo:
    if value is None:
        # Jekyll would use the build machine's zone; UTC keeps builds reproducible.
        return dt.UTC
    if not isinstance(value, str):
        raise OptionsError(f"{path}: timezone must be a zone name like Europe/Paris")
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise OptionsError(f"{path}: unknown timezone {value!r}") from None


def _patterns(path: Path, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise OptionsError(f"{path}: exclude must be a list of paths")
    return tuple(item.strip("/") for item in items if item.strip("/"))


def _markdown_ext(path: Path, value: object) -> tuple[str, ...]:
    if value is None:
        return _MARKDOWN_EXT
    if not isinstance(value, str):
        raise OptionsError(f"{path}: markdown_ext must be a comma-separated string")
    return tuple("." + part.strip().lstrip(".").casefold() for part in value.split(",") if part)


class JekyllSite:
    """One Jekyll site, opened with its options: a :class:`~blog2jsonl.sites.SiteReader`."""

    def __init__(self, root: Path, options: SiteOptions, reason: str, config: JekyllConfig) -> None:
        self.name = "jekyll"
        self.root = root
        self.reason = reason
        self.options = options
        self.config = config
        self._suffixes = tuple(
            dict.fromkeys(
                [("" if e.startswith(".") else ".") + e.casefold() for e in options.extensions]
                + list(config.markdown_ext)
            )
        )

    # -- discover -------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        """Every Markdown file Jekyll would consider, sorted by name.

        Posts are taken; drafts and pages carry ``skip`` unless the options (or the
        config's ``show_drafts``) ask for them; Markdown files in ``_posts`` that are not
        named like posts, and those in other ``_`` folders, are ``"not a post"``.
        ``_site``, ``vendor`` and ``node_modules`` (at any depth), hidden and excluded
        folders are not listed at all, nor are symlinked folders or links leading
        outside the site.
        """
        found = list(self._walk(self.root, ""))
        found.sort(key=lambda entry: entry.name)
        return iter(found)

    def _walk(self, folder: Path, prefix: str) -> Iterator[Entry]:
        # `folder` is an ordinary folder: Jekyll looks for _posts and _drafts in each.
        for child in _listing(folder):
            name = prefix + child.name
            if self._hidden(child, name):
                continue
            if child.is_dir(follow_symlinks=False):
                if child.name == "_posts" and self._holds_posts(prefix):
                    yield from self._special(Path(child.path), name + "/", self._post)
                elif child.name == "_drafts" and self._holds_posts(prefix):
                    yield from self._special(Path(child.path), name + "/", self._draft)
                elif child.name.startswith("_"):
                    yield from self._special(Path(child.path), name + "/", _not_a_post)
                else:
                    yield from self._walk(Path(child.path), name + "/")
            elif self._is_markdown(child):
                if child.name.startswith(("_", "#")):  # Jekyll leaves these out
                    yield _not_a_post(Path(child.path), name)
                else:
                    yield Entry(
                        Path(child.path),
                        name,
                        kind="page",
                        skip=None if self.options.pages else "page",
                    )

    def _special(self, folder: Path, prefix: str, make: _EntryMaker) -> Iterator[Entry]:
        # Every Markdown file at any depth below a _posts, _drafts or other _ folder.
        for child in _listing(folder):
            name = prefix + child.name
            if self._hidden(child, name):
                continue
            if child.is_dir(follow_symlinks=False):
                yield from self._special(Path(child.path), name + "/", make)
            elif self._is_markdown(child):
                yield make(Path(child.path), name)

    def _hidden(self, child: os.DirEntry[str], name: str) -> bool:
        if child.name.startswith(".") or child.name in _IGNORED:
            return True
        return any(
            name == pattern or name.startswith(pattern + "/") or fnmatch.fnmatchcase(name, pattern)
            for pattern in self.config.exclude
        )

    def _holds_posts(self, prefix: str) -> bool:
        # With `collections_dir`, Jekyll reads _posts only below that folder.
        wanted = self.config.collections_dir
        return not wanted or prefix.startswith(wanted + "/")

    def _is_markdown(self, child: os.DirEntry[str]) -> bool:
        if not child.name.casefold().endswith(self._suffixes):
            return False
        try:
            # A folder named like a post (`2013-03-19-not-a-post.markdown/`) is no post.
            if not child.is_file():
                return False
        except OSError:
            return False
        if child.is_symlink():
            # Like the plain walk, never read a file a link leads to outside the site.
            root = os.path.realpath(self.root)
            return os.path.commonpath((os.path.realpath(child.path), root)) == root
        return True

    def _post(self, path: Path, name: str) -> Entry:
        found = _post_name(path.name)
        if found is None:
            return _not_a_post(path, name)
        day, slug = found
        return Entry(path, name, kind="post", facts={"date": day.isoformat(), "slug": slug})

    def _draft(self, path: Path, name: str) -> Entry:
        skip = None if self.options.drafts or self.config.drafts else "draft"
        return Entry(path, name, kind="draft", skip=skip, facts={"slug": _stem(path.name)})

    # -- load -----------------------------------------------------------------------

    def judge(self, entry: Entry, post: Post) -> Verdict:
        """Whether Jekyll publishes the loaded ``post``, and its metadata.

        ``published: false`` is ``"unpublished"`` (unless the config sets
        ``unpublished: true``); a post dated after ``options.now`` is ``"future"``
        unless the config or the options take future posts. A page without front matter
        is ``"not rendered"``: Jekyll copies it as a static file.
        """
        meta = post.metadata
        if entry.kind == "page" and post.front_matter is None:
            return Verdict(skip="not rendered")
        # Ruby truthiness: `published:` left empty hides a post as `false` does.
        published = meta.get("published", True)
        if (published is False or published is None) and not self.config.unpublished:
            return Verdict(skip="unpublished")
        moment = self._moment(entry, meta)
        future = entry.kind != "page" and moment is not None and moment > self.options.now
        if future and not (self.config.future or self.options.future):
            return Verdict(skip="future")
        return Verdict(metadata=self._metadata(entry, meta, moment))

    def _moment(self, entry: Entry, meta: Mapping[str, JSONValue]) -> dt.datetime | None:
        # Front matter wins over the file name; times without a zone are in the site's.
        # Psych turns zoned YAML times into local (site) time, hence the astimezone.
        tz = self.config.timezone
        for value in (meta.get("date"), entry.facts.get("date")):
            moment = parse_date(value, tz)
            if moment is not None:
                return moment.astimezone(tz)
        return None

    def _metadata(
        self, entry: Entry, meta: Mapping[str, JSONValue], moment: dt.datetime | None
    ) -> dict[str, JSONValue]:
        result: dict[str, JSONValue] = {"generator": "jekyll"}
        language = meta.get("lang")
        if isinstance(language, str) and language:
            result["language"] = language
        date = _iso(meta.get("date"), self.config.timezone) or entry.facts.get("date")
        if isinstance(date, str):
            result["date"] = date
        updated = _iso(meta.get("last_modified_at"), self.config.timezone)
        if updated:
            result["updated"] = updated
        tags = _pluralized(meta, "tag", "tags")
        if tags:
            result["tags"] = list[JSONValue](tags)
        categories = list(dict.fromkeys(self._folder_categories(entry.name)))
        if entry.kind != "page":
            categories = list(
                dict.fromkeys(categories + _pluralized(meta, "category", "categories"))
            )
        if categories:
            result["categories"] = list[JSONValue](categories)
        slug = meta.get("slug")
        if entry.kind != "page":
            if not (isinstance(slug, str) and slug):
                slug = entry.facts.get("slug")
            if isinstance(slug, str):
                result["slug"] = slug
        url = self._url(entry, meta, moment, categories)
        if url is not None:
            result["url"] = self._absolute(url)
        return result

    def _folder_categories(self, name: str) -> list[str]:
        parts = name.split("/")
        for special in ("_posts", "_drafts"):
            if special in parts:
                above = parts[: parts.index(special)]
                skip = (
                    len(self.config.collections_dir.split("/"))
                    if self.config.collections_dir
                    else 0
                )
                return above[skip:]
        return []

    def _url(
        self,
        entry: Entry,
        meta: Mapping[str, JSONValue],
        moment: dt.datetime | None,
        categories: list[str],
    ) -> str | None:
        permalink = meta.get("permalink")
        custom = permalink if isinstance(permalink, str) and permalink.strip() else None
        stem = _stem(entry.name.rsplit("/", 1)[-1])
        if entry.kind == "page":
            folder = entry.name.rpartition("/")[0]
            values = {"path": "/" + folder, "basename": stem, "output_ext": ".html"}
            return _expand(custom or self._page_template(stem), values)
        slug = meta.get("slug")
        base = slug if isinstance(slug, str) and slug else str(entry.facts.get("slug", stem))
        values = {
            "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
            "title": slugify(base, pretty=True, cased=True),
            "slug": slugify(base),
            "name": slugify(stem),
            "output_ext": ".html",
            "collection": "posts",
            "path": entry.name,
        }
        if moment is not None:
            values.update(_date_values(moment))
        return _expand(custom or self.config.permalink, values)

    def _page_template(self, stem: str) -> str:
        # Jekyll's Page#template with Utils.add_permalink_suffix.
        if stem == "index":
            return "/:path/"
        if self.config.permalink.endswith("/"):
            return "/:path/:basename/"
        if self.config.permalink.endswith(":output_ext"):
            return "/:path/:basename:output_ext"
        return "/:path/:basename"

    def _absolute(self, path: str) -> str:
        # Jekyll's `absolute_url` (site + baseurl + the page's url), but only for a
        # --base-url: a config's `url` is often a placeholder, and a path is what the
        # other generators give without one.
        site = self.options.base_url or ""
        return site.rstrip("/") + self.config.baseurl + path


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    # Sorted here so that the order does not depend on the file system; an unreadable
    # folder is passed over like Jekyll does.
    try:
        with os.scandir(folder) as scan:
            return sorted(scan, key=lambda child: child.name)
    except OSError:
        return []


def _not_a_post(path: Path, name: str) -> Entry:
    return Entry(path, name, kind="page", skip="not a post")


def _stem(filename: str) -> str:
    stem, dot, _ = filename.rpartition(".")
    return stem if dot else filename


def _post_name(filename: str) -> tuple[dt.date, str] | None:
    """The date and slug of a post file name (``2017-2-5-x.md``), or ``None``."""
    match = _POST_NAME.fullmatch(_stem(filename))
    if match is None:
        return None
    year, month, day, slug = match.groups()
    try:
        return dt.date(int(year), int(month), int(day)), slug
    except ValueError:  # 2020-13-45: Jekyll stops the build; we pass it over
        return None


def _iso(value: JSONValue | None, tz: dt.tzinfo) -> str | None:
    """A front-matter date as an ISO string: as loaded when already ISO, else parsed."""
    if not isinstance(value, str):
        return None
    try:
        dt.date.fromisoformat(value)
        return value
    except ValueError:
        pass
    try:
        dt.datetime.fromisoformat(value)
        return value
    except ValueError:
        moment = parse_date(value, tz)
        return moment.isoformat() if moment is not None else None


def _scalar(value: JSONValue) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _pluralized(meta: Mapping[str, JSONValue], singular: str, plural: str) -> list[str]:
    """Jekyll's ``pluralized_array_from_hash``: the singular key wins and is not split."""
    value = meta.get(singular)
    if value is None and plural in meta:
        value = meta[plural]
        if isinstance(value, str):
            value = list[JSONValue](value.split())
    items = value if isinstance(value, list) else [value]
    found = [text for text in (_scalar(item) for item in items if item is not None) if text]
    return list(dict.fromkeys(found))


def slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` in its ``default`` or ``pretty`` mode.

    Runs of characters other than letters, marks and decimal digits (and, in pretty mode,
    ``._~!$&'()+,;=@``) become one hyphen; hyphens at either end go; the result is
    lower-cased unless ``cased``.
    """
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        keep = category[0] in "LM" or category == "Nd" or (pretty and char in _PRETTY_KEEP)
        if keep:
            out.append(char)
        elif not out or out[-1] != "-":
            out.append("-")
    slug = "".join(out)
    slug = slug[1:] if slug.startswith("-") else slug
    slug = slug[:-1] if slug.endswith("-") else slug
    return slug if cased else slug.lower()


def _date_values(moment: dt.datetime) -> dict[str, str]:
    iso_year, iso_week, iso_day = moment.isocalendar()
    return {
        "year": f"{moment.year:04d}",
        "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}",
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
        "i_day": str(moment.day),
        "i_month": str(moment.month),
        "short_month": _MONTHS[moment.month - 1],
        "long_month": _LONG_MONTHS[moment.month - 1],
        "short_year": f"{moment.year % 100:02d}",
        "y_day": f"{moment.timetuple().tm_yday:03d}",
        "week": f"{iso_week:02d}",
        "w_year": str(iso_year),
        "w_day": str(iso_day),
        "short_day": _DAYS[iso_day - 1][:3],
        "long_day": _DAYS[iso_day - 1],
    }


def _expand(template: str, values: Mapping[str, str]) -> str | None:
    """Jekyll's ``URL#generate_url_from_drop`` then ``sanitize_url``.

    Each ``:name`` is replaced by its escaped value (``:year_`` falls back to ``:year``
    followed by ``_``). ``None`` when a placeholder has no value: one Jekyll does not
    know (it stops the build), or a date for a draft dated only by its file's mtime.
    """
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name.rstrip("_")):
            if key in values:
                return _escape(values[key]) + name[len(key) :]
        unknown.append(name)
        return match.group(0)

    url = _PLACEHOLDER.sub(replace, template)
    if unknown:
        return None
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/+", "/", url)


def _escape(value: str) -> str:
    return urllib.parse.quote(value, safe=_URL_SAFE)
