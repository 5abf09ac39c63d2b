"""Hexo: read a Hexo site the way ``hexo generate`` does.

A Hexo site keeps its posts in ``<source_dir>/_posts/``, its drafts in
``<source_dir>/_drafts/`` and renders every other Markdown file below ``<source_dir>/``
as a page, except those in folders (or with names) starting with ``_`` or ``.``.

What is taken follows Hexo's rules (``hexo/lib/plugins/processor/post.js`` and
``hexo/lib/hexo/index.js``):

- Posts with ``published: false`` are unpublished; like drafts, Hexo shows them only
  when drafts are rendered (``--drafts`` here, ``render_drafts: true`` in the config).
- Future-dated posts are published unless the config says ``future: false``.
- A post's date is its front matter ``date``, else the date in its file name when
  ``new_post_name`` carries ``:year``, ``:month`` (or ``:i_month``) and ``:day`` (or
  ``:i_day``). Hexo would then fall back on the file's creation time; we leave the date
  out instead, so that a build never depends on the file system's clock.
- The slug is the ``:title`` part of the file name. Hexo overwrites a front matter
  ``slug`` with it, so a front matter ``slug`` is ignored here too.
- Dates without a zone are in the config's ``timezone`` (UTC when it has none: Hexo would
  use the machine's zone, which is not reproducible).

URLs are built from ``permalink`` like Hexo's ``post_permalink`` filter, prefixed with
``root`` and percent-encoded like its ``url_for`` helper; the ``url`` setting is not used
(``SiteOptions.base_url`` makes them absolute).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import OptionsError
from ..models import JSONValue, Post
from . import Entry, SiteOptions, Verdict, parse_date

__all__ = ["HEXO", "HexoConfig", "HexoSite", "load_config", "parse_filename", "slugize"]

CONFIG_NAME = "_config.yml"

#: A ``:name`` token of a permalink or ``new_post_name`` (hexo-util's ``rParam``): word
#: characters not ending with ``_``.
_TOKEN = re.compile(r":(\w*[^_\W])")

#: What the tokens of ``new_post_name`` match in a file name (Hexo's ``parseFilename``);
#: any other token (``:title``, ``:category``...) matches anything, lazily.
_FILENAME_SEGMENTS = {
    "year": r"(\d{4})",
    "month": r"(\d{2})",
    "day": r"(\d{2})",
    "i_month": r"(\d{1,2})",
    "i_day": r"(\d{1,2})",
    "hash": r"([0-9a-f]{12})",
}

# hexo-util's slugize: runs of these become one separator.
_SLUG_SPECIAL = re.compile(r"""[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:"'<>,.?/]+""")
_CONTROL = re.compile(r"[\x00-\x1f]")
# What JavaScript's encodeURI leaves alone, besides letters and digits.
_URI_SAFE = ";,/?:@&=+$-_.!~*'()#"


@dataclass(frozen=True, slots=True)
class HexoConfig:
    """The settings of a Hexo ``_config.yml`` that decide what is published and where.

    Defaults are Hexo's. ``timezone`` is ``None`` when the config names none.
    ``permalink_defaults`` fill permalink tokens a post does not define.
    """

    source_dir: str = "source"
    new_post_name: str = ":title.md"
    permalink: str = ":year/:month/:day/:title/"
    root: str = "/"
    timezone: tzinfo | None = None
    future: bool = True
    render_drafts: bool = False
    default_category: str = "uncategorized"
    filename_case: int = 0
    category_map: Mapping[str, str] = field(default_factory=dict)
    permalink_defaults: Mapping[str, str] = field(default_factory=dict)


class _Hexo:
    """The Hexo generator: recognises Hexo sites and opens them."""

    name = "hexo"

    def detect(self, root: Path) -> str | None:
        """``"_config.yml and package.json (hexo)"``, ``"source/_posts/"`` or ``None``.

        A ``package.json`` that cannot be read or parsed only means "not Hexo".
        """
        if (root / CONFIG_NAME).is_file() and _depends_on_hexo(root / "package.json"):
            return f"{CONFIG_NAME} and package.json (hexo)"
        if (root / "source" / "_posts").is_dir():
            return "source/_posts/"
        return None

    def open(self, root: Path, options: SiteOptions, reason: str) -> HexoSite:
        """Read ``root``'s ``_config.yml`` (defaults when there is none).

        Raises :class:`OptionsError` naming the file (and line) when the config does not
        parse or a setting has the wrong type.
        """
        return HexoSite(root, options, reason, load_config(root / CONFIG_NAME))


#: The Hexo generator, as registered in :mod:`blog2jsonl.sites`.
HEXO = _Hexo()


class HexoSite:
    """One Hexo site, opened with its options: a :class:`~blog2jsonl.sites.SiteReader`."""

    name = "hexo"

    def __init__(self, root: Path, options: SiteOptions, reason: str, config: HexoConfig) -> None:
        self.root = root
        self.options = options
        self.reason = reason
        self.config = config

    def entries(self) -> Iterator[Entry]:
        """Every Markdown file below the source folder, sorted by name.

        Posts are kind ``post``; drafts kind ``draft`` (skipped as ``"draft"`` unless
        drafts are taken); other files kind ``page`` (skipped as ``"page"`` unless pages
        are taken, or as ``"not a post"`` when a part of their path starts with ``_``).
        Hidden files and folders are left out; symlinked folders are not followed.
        """
        source = self.root / self.config.source_dir
        prefix = PurePosixPath(self.config.source_dir.replace(os.sep, "/"))
        found = sorted(
            (str(prefix / relative), path) for relative, path in self._markdown_files(source)
        )
        for name, path in found:
            yield self._entry(path, name, self._below_source(name).parts)

    def judge(self, entry: Entry, post: Post) -> Verdict:
        """Whether Hexo publishes ``post``, and its generator, date, tags, URL...

        Skips ``"unpublished"`` (``published: false``, unless drafts are taken) and
        ``"future"`` (dated after ``options.now`` when the config says ``future: false``
        and future posts are not taken).
        """
        if entry.skip is not None:
            return Verdict(skip=entry.skip)
        if entry.kind == "page":
            return Verdict(metadata=self._page_metadata(entry, post))
        meta = post.metadata
        if meta.get("published") is False and not self._drafts:
            return Verdict(skip="unpublished")
        # The path below _posts/ or _drafts/, as Hexo's post processor sees it.
        below = "/".join(self._below_source(entry.name).parts[1:])
        info = parse_filename(self.config.new_post_name, below)
        stated, moment = self._date(meta.get("date"), info)
        future_ok = self.config.future or self.options.future
        if moment is not None and moment > self.options.now and not future_ok:
            return Verdict(skip="future")
        metadata: dict[str, JSONValue] = {"generator": "hexo"}
        if stated is not None:
            metadata["date"] = stated
        _add_common(metadata, meta)
        metadata["slug"] = info.slug
        url = self._post_url(post, info.slug, moment)
        if url is not None:
            metadata["url"] = url
        return Verdict(metadata=metadata)

    @property
    def _drafts(self) -> bool:
        return self.options.drafts or self.config.render_drafts

    def _below_source(self, name: str) -> PurePosixPath:
        return PurePosixPath(name).relative_to(self.config.source_dir.replace(os.sep, "/"))

    def _markdown_files(self, source: Path) -> Iterator[tuple[str, Path]]:
        suffixes = tuple(ext.casefold() for ext in self.options.extensions)
        # os.walk does not descend into symlinked folders by default: following them could
        # loop or read the same posts twice.
        for folder, dirs, files in os.walk(source):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for file in files:
                path = Path(folder, file)
                if file.startswith(".") or not file.casefold().endswith(suffixes):
                    continue
                if path.is_file():
                    yield path.relative_to(source).as_posix(), path

    def _entry(self, path: Path, name: str, parts: tuple[str, ...]) -> Entry:
        top = parts[0] if len(parts) > 1 else ""
        if top in ("_posts", "_drafts"):
            kind = "post" if top == "_posts" else "draft"
            below = parts[1:]
            # Hexo's isHiddenFile: a part of the path below _posts starting with _ or .
            if any(part.startswith(("_", ".")) for part in below):
                return Entry(path, name, kind, skip="not a post")
            info = parse_filename(self.config.new_post_name, "/".join(below))
            facts: dict[str, JSONValue] = {"slug": info.slug}
            if info.date is not None:
                facts["date"] = info.date.isoformat()
            skip = "draft" if kind == "draft" and not self._drafts else None
            return Entry(path, name, kind, skip=skip, facts=facts)
        if any(part.startswith("_") for part in parts):
            return Entry(path, name, "page", skip="not a post")
        return Entry(path, name, "page", skip=None if self.options.pages else "page")

    def _date(
        self, value: JSONValue | None, info: FilenameInfo
    ) -> tuple[str | None, datetime | None]:
        # The date as written (front matter, else file name) and as a moment in time.
        tz = self.config.timezone
        moment = parse_date(value, tz)
        if moment is not None and isinstance(value, str):
            return value, moment
        if info.date is not None:
            return info.date.isoformat(), parse_date(info.date.isoformat(), tz)
        return None, None

    def _page_metadata(self, entry: Entry, post: Post) -> dict[str, JSONValue]:
        meta = post.metadata
        metadata: dict[str, JSONValue] = {"generator": "hexo"}
        value = meta.get("date")
        if isinstance(value, str) and parse_date(value) is not None:
            metadata["date"] = value
        _add_common(metadata, meta)
        below = self._below_source(entry.name)
        if isinstance(meta.get("permalink"), str):
            path = str(meta["permalink"])
        elif below.stem == "index":
            # Hexo writes foo/index.html, which the server gives out as foo/.
            path = "" if str(below.parent) == "." else f"{below.parent}/"
        else:
            path = str(below.with_suffix(".html"))
        metadata["url"] = self._url(path)
        return metadata

    def _post_url(self, post: Post, slug: str, moment: datetime | None) -> str | None:
        meta = post.metadata
        if isinstance(meta.get("permalink"), str):
            return self._url(str(meta["permalink"]))
        local = None
        if moment is not None:
            local = moment.astimezone(self.config.timezone or UTC)
        values = _permalink_values(self.config, post, slug, local)
        pieces: list[str] = []
        position = 0
        for token in _TOKEN.finditer(self.config.permalink):
            value = values.get(token.group(1))
            if value is None:
                return None  # Hexo would write "undefined" into the URL
            pieces += [self.config.permalink[position : token.start()], value]
            position = token.end()
        pieces.append(self.config.permalink[position:])
        return self._url("".join(pieces))

    def _url(self, path: str) -> str:
        # url_for: root + path, runs of slashes collapsed, then encodeURL.
        joined = re.sub(r"/{2,}", "/", f"{self.config.root}/{path}")
        if not joined.startswith("/"):
            joined = "/" + joined
        encoded = quote(unquote(joined), safe=_URI_SAFE)
        if self.options.base_url:
            return self.options.base_url.rstrip("/") + encoded
        return encoded


@dataclass(frozen=True, slots=True)
class FilenameInfo:
    """What a post's file name says under ``new_post_name``: its slug and date."""

    slug: str
    date: date | None = None


def parse_filename(new_post_name: str, path: str) -> FilenameInfo:
    """Parse ``path`` (below ``_posts/``, with extension) as Hexo's ``parseFilename`` does.

    ``new_post_name`` (``":year-:month-:day-:title.md"``) becomes a regular expression:
    ``:year`` is four digits, ``:month``/``:day`` two, ``:i_month``/``:i_day`` one or two,
    ``:hash`` twelve hex digits, any other token (``:title``, ``:category``...) anything.
    The slug is the ``:title`` part; when the name does not match, or has no ``:title``,
    the whole path without extension, slugized. The date needs year, month and day, and
    is left out when they make no calendar date.
    """
    rule = _strip_extension(new_post_name)
    stem = _strip_extension(path)
    names: list[str] = []
    pattern = ""
    position = 0
    for token in _TOKEN.finditer(rule):
        pattern += re.escape(rule[position : token.start()])
        pattern += _FILENAME_SEGMENTS.get(token.group(1), "(.+?)")
        names.append(token.group(1))
        position = token.end()
    pattern += re.escape(rule[position:])
    match = re.fullmatch(pattern, stem)
    if match is None:
        return FilenameInfo(slugize(stem))
    found: dict[str, str] = {}
    for name, value in zip(names, match.groups(), strict=True):
        found.setdefault(name, value)
    slug = found.get("title", slugize(stem))
    year, month, day = (
        found.get("year"),
        found.get("month", found.get("i_month")),
        found.get("day", found.get("i_day")),
    )
    when = None
    if year and month and day:
        try:
            when = date(int(year), int(month), int(day))
        except ValueError:
            when = None
    return FilenameInfo(slug, when)


def slugize(text: str, transform: int = 0) -> str:
    """hexo-util's ``slugize``: Latin accents dropped, punctuation and spaces to ``-``.

    ``transform`` is Hexo's ``filename_case``: 1 lower-cases, 2 upper-cases.
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        # Only accents on Latin letters go ("é" -> "e"); a Japanese dakuten is not one.
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    result = _CONTROL.sub("", unicodedata.normalize("NFC", "".join(kept)))
    result = _SLUG_SPECIAL.sub("-", result).strip("-")
    if transform == 1:
        return result.lower()
    if transform == 2:
        return result.upper()
    return result


def load_config(path: Path) -> HexoConfig:
    """Read a Hexo ``_config.yml``; Hexo's defaults when the file does not exist.

    Raises :class:`OptionsError` naming the file (and the line, for YAML errors) when it
    cannot be read, does not parse, is not a mapping or has a setting of the wrong type.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return HexoConfig()
    except (OSError, UnicodeDecodeError) as error:
        raise OptionsError(f"{path}: cannot read the Hexo config: {error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = error.problem or error.context or "invalid YAML"
        raise OptionsError(f"{path}{line}: the Hexo config is not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise OptionsError(f"{path}: the Hexo config is not valid YAML: {error}") from None
    if data is None:
        return HexoConfig()
    if not isinstance(data, dict):
        raise OptionsError(f"{path}: the Hexo config must be a mapping of settings")
    settings = _Settings(path, data)
    defaults = HexoConfig()
    return HexoConfig(
        source_dir=settings.text("source_dir", defaults.source_dir).strip("/") or ".",
        new_post_name=settings.text("new_post_name", defaults.new_post_name),
        permalink=settings.text("permalink", defaults.permalink),
        root=settings.text("root", defaults.root),
        timezone=settings.zone("timezone"),
        future=settings.flag("future", defaults.future),
        render_drafts=settings.flag("render_drafts", defaults.render_drafts),
        default_category=settings.text("default_category", defaults.default_category),
        filename_case=settings.number("filename_case", defaults.filename_case),
        category_map=settings.strings("category_map"),
        permalink_defaults=settings.strings("permalink_defaults"),
    )


@dataclass(frozen=True, slots=True)
class _Settings:
    # Typed access to the config's values: a missing or null setting is the default.
    path: Path
    data: Mapping[Any, Any]

    def _bad(self, key: str, what: str) -> OptionsError:
        value = self.data[key]
        return OptionsError(f"{self.path}: Hexo setting {key!r} must be {what}, not {value!r}")

    def text(self, key: str, default: str) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        raise self._bad(key, "a string")

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        raise self._bad(key, "true or false")

    def number(self, key: str, default: int) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self._bad(key, "a number")

    def zone(self, key: str) -> tzinfo | None:
        name = self.text(key, "")
        if not name:
            return None
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self._bad(key, "a time zone name such as 'Europe/Paris'") from None

    def strings(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._bad(key, "a mapping")
        return {str(k): str(v) for k, v in value.items() if v is not None}


def _depends_on_hexo(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    for key in ("dependencies", "devDependencies"):
        listed = data.get(key)
        if isinstance(listed, dict) and "hexo" in listed:
            return True
    return False


def _strip_extension(path: str) -> str:
    suffix = PurePosixPath(path).suffix
    return path[: -len(suffix)] if suffix else path


def _add_common(metadata: dict[str, JSONValue], meta: Mapping[str, JSONValue]) -> None:
    # updated, tags, categories and language: the same for posts and pages.
    updated = meta.get("updated")
    if isinstance(updated, str) and parse_date(updated) is not None:
        metadata["updated"] = updated
    tags = _names(meta.get("tags", meta.get("tag")))
    if tags:
        tag_list: list[JSONValue] = list(tags)
        metadata["tags"] = tag_list
    # Nested lists are category hierarchies; a parent shared by two is listed once.
    categories: list[JSONValue] = list(
        dict.fromkeys(_names(meta.get("categories", meta.get("category"))))
    )
    if categories:
        metadata["categories"] = categories
    for key in ("lang", "language"):
        language = meta.get(key)
        if isinstance(language, str) and language.strip():
            metadata["language"] = language.strip()
            break


def _names(value: JSONValue | None) -> list[str]:
    """Tag or category names in order: a string, a list, or nested lists, flattened."""
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, bool):
        return []
    text = str(value).strip()
    return [text] if text else []


def _category_slug(config: HexoConfig, value: JSONValue | None) -> str:
    # Hexo's :category is the slug of the post's last category, which includes its
    # parents ("parent/child"). A flat list is one hierarchy; a list whose first item is
    # a list is a list of hierarchies.
    if value is None or isinstance(value, dict | bool):
        return config.default_category
    hierarchies: list[list[str]]
    if isinstance(value, list) and value and isinstance(value[0], list):
        hierarchies = [_names(item) for item in value]
    else:
        hierarchies = [_names(value)]
    hierarchies = [chain for chain in hierarchies if chain]
    if not hierarchies:
        return config.default_category
    names = (config.category_map.get(name, name) for name in hierarchies[-1])
    return "/".join(slugize(name, config.filename_case) for name in names)


def _permalink_values(
    config: HexoConfig, post: Post, slug: str, local: datetime | None
) -> dict[str, str]:
    meta = post.metadata
    values: dict[str, str] = dict(config.permalink_defaults)
    # Any scalar front matter value can fill a token of the same name (Hexo copies the
    # post's data into the permalink's values before its own tokens).
    for key, value in meta.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            values[key] = str(value)
    values.pop("date", None)
    values.update(
        title=slug,
        name=PurePosixPath(slug).name,
        category=_category_slug(config, meta.get("categories", meta.get("category"))),
    )
    title = meta.get("title")
    if isinstance(title, str | int | float) and not isinstance(title, bool):
        values["post_title"] = str(title)
    else:
        values.pop("post_title", None)
    for key in ("year", "month", "day", "i_month", "i_day", "hour", "minute", "second", "hash"):
        values.pop(key, None)
    if local is not None:
        values.update(
            year=f"{local.year:04d}",
            month=f"{local.month:02d}",
            day=f"{local.day:02d}",
            i_month=str(local.month),
            i_day=str(local.day),
            hour=f"{local.hour:02d}",
            minute=f"{local.minute:02d}",
            second=f"{local.second:02d}",
            hash=hashlib.sha1(
                f"{slug}{int(local.timestamp())}".encode(), usedforsecurity=False
            ).hexdigest()[:12],
        )
    return values
