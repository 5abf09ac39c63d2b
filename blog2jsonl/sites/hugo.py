"""Hugo: list and judge a Hugo site's content the way ``hugo`` builds it.

A Hugo site is recognised by its configuration (``hugo.toml``, ``config.yaml``, a
``config/_default/`` folder...). Its content lives in ``contentDir`` (``content/``) or,
on a multilingual site, in one content folder per language. What follows Hugo, simplified:

* ``_index.md`` is a section (list) page; ``index.md`` makes its folder a leaf bundle,
  whose other Markdown files are resources of that page, not pages of their own.
* ``post.<lang>.md`` belongs to ``<lang>`` when that is a configured language.
* Front-matter keys are case-insensitive; drafts, future and expired posts, headless
  bundles and ``build.render = never`` are not published.
* ``cascade`` in an ancestor section's ``_index.md`` sets front-matter values for the
  pages below it (nearest section first; a page's own value wins). Only top-level keys
  cascade (a page's ``build`` table replaces a cascaded one rather than merging), and a
  cascade's ``_target``/``target`` is ignored: it applies to every page below.
* URLs follow ``url``, ``permalinks`` or the content path, lowercased as Hugo does.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import Blog2JsonlError, OptionsError
from ..load import load_post
from ..models import JSONValue, Post, Source
from . import Entry, SiteOptions, Verdict, parse_date

__all__ = ["HUGO", "HugoGenerator", "HugoSite"]

#: The configuration files Hugo looks for at a site's root, in the order it tries them.
CONFIG_FILES = (
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
)
CONFIG_DIR = "config/_default"
#: Files of ``config/_default/`` whose content is the value of the key they are named
#: after (``params.toml`` holds the ``[params]`` table).
_CONFIG_PARTS = ("params", "languages", "permalinks")
_CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")

# Hugo's default front-matter date configuration: the keys each date is read from.
_DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_PUBLISH_KEYS = ("publishdate", "pubdate", "published", "date")
_LASTMOD_KEYS = ("lastmod", "modified")
_EXPIRY_KEYS = ("expirydate", "unpublishdate")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Longest names first, and never followed by a letter: `:slug` is not `:slugorfilename`.
_TOKEN = re.compile(
    r":(slugorcontentbasename|slugorfilename|contentbasename|filename|monthname|month"
    r"|yearday|year|day|hour|minute|second|sections|section|slug|title)(?![a-z])"
)


class HugoGenerator:
    """The Hugo generator: recognises Hugo sites and opens them."""

    name = "hugo"

    def detect(self, root: Path) -> str | None:
        """The configuration file (or ``config/_default``) that marks ``root``, or ``None``."""
        for name in CONFIG_FILES:
            if (root / name).is_file():
                return name
        if (root / CONFIG_DIR).is_dir():
            return CONFIG_DIR
        return None

    def open(self, root: Path, options: SiteOptions, reason: str) -> HugoSite:
        """Read the site's configuration and return a reader for its content.

        Raises :class:`OptionsError` naming the file (and line) of a configuration that
        does not parse, or holding an unknown ``timeZone``.
        """
        return HugoSite(root, options, reason, _settings(root, load_config(root)))


HUGO = HugoGenerator()


# --- configuration -------------------------------------------------------------------


def load_config(root: Path) -> dict[str, Any]:
    """A Hugo site's configuration with every key lowercased (Hugo's keys are not cased).

    Reads the first root configuration file of :data:`CONFIG_FILES`, merged over the
    files of ``config/_default/`` when that folder exists. Returns ``{}`` when there is
    none. Raises :class:`OptionsError` for a file that cannot be read or parsed.
    """
    config: dict[str, Any] = {}
    for name in CONFIG_FILES:
        if (root / name).is_file():
            config = _read_config(root / name)
            break
    folder = root / CONFIG_DIR
    if folder.is_dir():
        for stem in ("hugo", "config", *_CONFIG_PARTS):
            for suffix in _CONFIG_SUFFIXES:
                path = folder / (stem + suffix)
                if not path.is_file():
                    continue
                data = _read_config(path)
                _merge(config, data if stem in ("hugo", "config") else {stem: data})
    return config


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise OptionsError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise OptionsError(f"{path}: not valid UTF-8 (offset {error.start})") from None
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        raise _config_error(path, int(found.group(1)) if found else None, str(error)) from None
    except json.JSONDecodeError as error:
        raise _config_error(path, error.lineno, error.msg) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise _config_error(path, mark.line + 1 if mark else None, problem) from None
    if data is None:  # an empty YAML file
        return {}
    if not isinstance(data, dict):
        raise _config_error(path, None, "expected a table of settings")
    return _lowered(data)


def _config_error(path: Path, line: int | None, detail: str) -> OptionsError:
    where = str(path) if line is None else f"{path}:{line}"
    return OptionsError(f"{where}: unusable Hugo configuration: {detail}")


def _lowered(data: Mapping[Any, Any]) -> dict[str, Any]:
    """``data`` with its keys, and those of nested tables, as lowercase strings."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).lower()
        # `Draft` and `draft` both given: the lowercase spelling wins, whatever the order.
        if name in result and str(key) != name:
            continue
        result[name] = _lowered(value) if isinstance(value, Mapping) else value
    return result


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Add ``extra``'s settings to ``base`` where ``base`` has none (tables merge)."""
    for key, value in extra.items():
        if key not in base:
            base[key] = value
        elif isinstance(base[key], dict) and isinstance(value, Mapping):
            _merge(base[key], value)


@dataclass(frozen=True, slots=True)
class _Settings:
    """What the reader needs of a site's configuration.

    ``content_dirs`` maps each content folder (relative to the root, ``/`` separators)
    to its language, or to ``None`` for the folder shared by the languages without one.
    ``permalinks`` maps a language to its section → pattern table.
    """

    content_dirs: Mapping[str, str | None]
    languages: frozenset[str]
    default_language: str
    language_prefix: bool  # whether the default language too is in a subfolder
    multilingual: bool
    permalinks: Mapping[str, Mapping[str, str]]
    time_zone: tzinfo
    lower_paths: bool


def _settings(root: Path, config: Mapping[str, Any]) -> _Settings:
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    table = config.get("languages")
    languages: dict[str, Mapping[str, Any]] = {}
    if isinstance(table, Mapping):
        languages = {k: v if isinstance(v, Mapping) else {} for k, v in table.items()}
    codes = frozenset(languages) | {default}
    shared = _folder(root, config.get("contentdir") or "content")
    content_dirs: dict[str, str | None] = {}
    needs_shared = False
    for code in sorted(codes):
        own = languages.get(code, {}).get("contentdir")
        if not own:
            needs_shared = True
            continue
        folder = _folder(root, own)
        # Two languages sharing a folder: each file's suffix tells them apart.
        content_dirs[folder] = None if folder in content_dirs else code
    if needs_shared:
        content_dirs.setdefault(shared, None)
    permalinks = {
        code: _permalink_table(languages.get(code, {}).get("permalinks"))
        or _permalink_table(config.get("permalinks"))
        for code in sorted(codes)
    }
    return _Settings(
        content_dirs=dict(sorted(content_dirs.items())),
        languages=codes,
        default_language=default,
        language_prefix=bool(config.get("defaultcontentlanguageinsubdir", False)),
        multilingual=len(codes) > 1,
        permalinks=permalinks,
        time_zone=_time_zone(config.get("timezone")),
        lower_paths=not config.get("disablepathtolower", False),
    )


def _folder(root: Path, value: object) -> str:
    """A configured folder as a normalised path relative to ``root``, ``/`` separators."""
    path = os.path.normpath(os.path.join(root, str(value)))
    return os.path.relpath(path, root).replace(os.sep, "/")


def _permalink_table(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    # Hugo 0.120's form: {page: {posts: ...}, section: {...}}; only regular pages use them.
    page = value.get("page")
    if isinstance(page, Mapping):
        value = page
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _time_zone(value: object) -> tzinfo:
    if not value:
        return UTC
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionsError(f"unknown timeZone {value!r} in the Hugo configuration") from None


# --- content paths --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Place:
    """What a content file's path says.

    ``folders`` are the folders between the content folder and the file; ``stem`` the
    file name without its extension and language suffix.
    """

    content_dir: str
    folders: tuple[str, ...]
    stem: str
    language: str

    @property
    def is_section(self) -> bool:
        return self.stem == "_index"

    @property
    def is_bundle(self) -> bool:
        return self.stem == "index"

    @property
    def page_folders(self) -> tuple[str, ...]:
        """The sections the page is in (a bundle's own folder is the page, not a section)."""
        return self.folders[:-1] if self.is_section or self.is_bundle else self.folders

    @property
    def slug(self) -> str:
        """The path's slug: the bundle or section folder's name, else the file's stem."""
        if (self.is_section or self.is_bundle) and self.folders:
            return self.folders[-1]
        return "" if self.is_section else self.stem

    @property
    def section(self) -> str:
        return self.folders[0] if self.folders else ""


class HugoSite:
    """A Hugo site opened with its options: lists its content and judges its posts."""

    def __init__(self, root: Path, options: SiteOptions, reason: str, settings: _Settings) -> None:
        self.name = "hugo"
        self.root = root
        self.reason = reason
        self.options = options
        self.settings = settings
        self._extensions = tuple(
            ("" if e.startswith(".") else ".") + e.casefold() for e in options.extensions
        )
        now = options.now
        self._now = now if now.tzinfo else now.replace(tzinfo=settings.time_zone)
        self._cascades: dict[tuple[str, str], list[dict[str, JSONValue]]] = {}

    # --- discover

    def entries(self) -> Iterator[Entry]:
        """Every content file with a Markdown extension, content folders in name order.

        Section pages (``_index.md``) are listed as ``page`` entries, skipped as
        ``"page"`` unless ``options.pages``; Markdown files inside a leaf bundle as
        ``"not a post"``. Hidden entries are left out; symlinked folders not followed.
        """
        content_dirs = set(self.settings.content_dirs)
        for folder in self.settings.content_dirs:
            # A language's own folder inside the shared one is walked on its own.
            others = {d for d in content_dirs if d != folder}
            yield from self._walk(folder, others)

    def _walk(self, content_dir: str, exclude: set[str]) -> Iterator[Entry]:
        # An explicit stack of (folder, entries, inside a leaf bundle) rather than recursion.
        start = self.root / content_dir
        listing = _listing(start)
        stack = [(content_dir, iter(listing), self._has_index(listing))]
        while stack:
            folder, entries, in_bundle = stack[-1]
            item = next(entries, None)
            if item is None:
                stack.pop()
                continue
            if item.name.startswith("."):
                continue
            name = item.name if folder == "." else f"{folder}/{item.name}"
            if item.is_dir(follow_symlinks=False):
                if name not in exclude:
                    sub = _listing(Path(item.path))
                    stack.append((name, iter(sub), in_bundle or self._has_index(sub)))
            elif self._extension(item.name) and item.is_file() and self._readable(item):
                yield self._entry(Path(item.path), name, in_bundle)

    def _readable(self, item: os.DirEntry[str]) -> bool:
        # As discover does: a symlink is read only when it stays inside the site.
        if not item.is_symlink():
            return True
        real_root = os.path.realpath(self.root)
        return os.path.commonpath((os.path.realpath(item.path), real_root)) == real_root

    def _entry(self, path: Path, name: str, in_bundle: bool) -> Entry:
        place = self._place(name)
        facts: dict[str, JSONValue] = {"language": place.language}
        if place.slug:
            facts["slug"] = place.slug
        if place.section:
            facts["section"] = place.section
        if in_bundle and not place.is_bundle:
            return Entry(path, name, "page", place.language, "not a post", facts)
        if place.is_section:
            skip = None if self.options.pages else "page"
            return Entry(path, name, "page", place.language, skip, facts)
        return Entry(path, name, "post", place.language, None, facts)

    def _has_index(self, listing: list[os.DirEntry[str]]) -> bool:
        return any(
            self._split_name(item.name)[0] == "index"
            for item in listing
            if self._extension(item.name) and not item.is_dir(follow_symlinks=False)
        )

    def _extension(self, filename: str) -> str | None:
        folded = filename.casefold()
        return next((e for e in self._extensions if folded.endswith(e)), None)

    def _split_name(self, filename: str) -> tuple[str, str | None]:
        """A file name's stem without extension, and its language suffix if configured."""
        extension = self._extension(filename) or ""
        stem = filename[: len(filename) - len(extension)]
        base, dot, suffix = stem.rpartition(".")
        if dot and base and suffix.lower() in self.settings.languages:
            return base, suffix.lower()
        return stem, None

    def _place(self, name: str) -> _Place:
        """What ``name`` (relative to the root) says: its content folder, sections, language."""
        content_dir = max(
            (d for d in self.settings.content_dirs if d == "." or name.startswith(d + "/")),
            key=len,
            default=".",
        )
        inside = name if content_dir == "." else name[len(content_dir) + 1 :]
        *folders, filename = inside.split("/")
        stem, suffix = self._split_name(filename)
        language = (
            self.settings.content_dirs.get(content_dir) or suffix or self.settings.default_language
        )
        return _Place(content_dir, tuple(folders), stem, language)

    # --- judge

    def judge(self, entry: Entry, post: Post) -> Verdict:
        """Whether Hugo publishes ``post`` with the site's options, and its metadata.

        Front matter is read case-insensitively, with values cascaded from ancestor
        sections. Skips are ``"draft"``, ``"future"``, ``"expired"``, ``"headless"`` and
        ``"not rendered"``, checked in that order. The metadata is given for skipped
        posts too, for ``--explain``.
        """
        place = self._place(entry.name)
        front = _lowered(post.metadata)
        for cascade in self._cascade_for(place):
            for key, value in cascade.items():
                front.setdefault(key, value)
        zone = self.settings.time_zone
        publish = _first_date(front, _PUBLISH_KEYS, zone)
        expiry = _first_date(front, _EXPIRY_KEYS, zone)
        metadata = self._metadata(place, front, post, zone)
        skip: str | None = None
        if _truthy(front.get("draft")) and not self.options.drafts:
            skip = "draft"
        elif publish is not None and publish > self._now and not self.options.future:
            skip = "future"
        elif expiry is not None and expiry < self._now and not self.options.expired:
            skip = "expired"
        elif _truthy(front.get("headless")):
            skip = "headless"
        elif _never_rendered(front):
            skip = "not rendered"
        return Verdict(skip, metadata)

    def _metadata(
        self, place: _Place, front: Mapping[str, JSONValue], post: Post, zone: tzinfo
    ) -> dict[str, JSONValue]:
        metadata: dict[str, JSONValue] = {"generator": "hugo", "language": place.language}
        published = _first_date(front, _PUBLISH_KEYS, zone)
        if published is not None:
            metadata["date"] = published.isoformat()
        updated = _first_date(front, _LASTMOD_KEYS, zone)
        if updated is not None:
            metadata["updated"] = updated.isoformat()
        for key in ("tags", "categories"):
            if key in front:
                metadata[key] = _terms(front[key])
        slug = front.get("slug")
        written_slug = _text(slug) or None
        if written_slug or place.slug:
            metadata["slug"] = written_slug or place.slug
        metadata["url"] = self._url(place, front, post, written_slug, zone)
        return metadata

    def _url(
        self,
        place: _Place,
        front: Mapping[str, JSONValue],
        post: Post,
        slug: str | None,
        zone: tzinfo,
    ) -> str:
        settings = self.settings
        language = place.language
        prefixed = settings.multilingual and (
            language != settings.default_language or settings.language_prefix
        )
        prefix = f"/{language}" if prefixed else ""
        written = front.get("url")
        if isinstance(written, str) and written.strip():
            # Hugo: a `url` with a leading slash is from the site root, one without is
            # from the language's root.
            path = written.strip()
            path = _trailing_slash(path if path.startswith("/") else f"{prefix}/{path}")
        else:
            # A generated path always names a folder, even when its last part has a dot.
            path = prefix + self._path(place, front, post, slug, zone) + "/"
        path = re.sub(r"/{2,}", "/", path)
        base = self.options.base_url
        return base.rstrip("/") + path if base else path

    def _path(
        self,
        place: _Place,
        front: Mapping[str, JSONValue],
        post: Post,
        slug: str | None,
        zone: tzinfo,
    ) -> str:
        """The URL path Hugo gives a page of the default language, before lowercasing."""
        if place.is_section:
            path = "/" + "/".join(place.folders)
        else:
            pattern = self.settings.permalinks.get(place.language, {}).get(place.section)
            if pattern and place.page_folders:
                path = self._expand(pattern, place, front, post, slug, zone)
            else:
                path = "/" + "/".join((*place.page_folders, slug or place.slug))
        path = path.replace(" ", "-")
        return path.lower() if self.settings.lower_paths else path

    def _expand(
        self,
        pattern: str,
        place: _Place,
        front: Mapping[str, JSONValue],
        post: Post,
        slug: str | None,
        zone: tzinfo,
    ) -> str:
        # Hugo formats a missing date as Go's zero time: year 1.
        date = _first_date(front, _DATE_KEYS, zone) or datetime(1, 1, 1, tzinfo=zone)
        title = _urlize(post.title or _text(front.get("title")) or "")
        values = {
            "year": f"{date.year:04d}",
            "month": f"{date.month:02d}",
            "monthname": _MONTHS[date.month - 1],
            "day": f"{date.day:02d}",
            "yearday": str(date.timetuple().tm_yday),
            "hour": f"{date.hour:02d}",
            "minute": f"{date.minute:02d}",
            "second": f"{date.second:02d}",
            "section": place.section,
            "sections": "/".join(place.page_folders),
            "slug": slug or title or place.slug,
            "title": title,
            "filename": place.slug,
            "contentbasename": place.slug,
            "slugorfilename": slug or place.slug,
            "slugorcontentbasename": slug or place.slug,
        }
        return _TOKEN.sub(lambda match: values[match.group(1)], pattern)

    def _cascade_for(self, place: _Place) -> list[dict[str, JSONValue]]:
        """The cascades that reach ``place``, nearest section first."""
        found: list[dict[str, JSONValue]] = []
        sections = place.page_folders
        for depth in range(len(sections), -1, -1):
            found.extend(self._cascades_in(place.content_dir, sections[:depth], place.language))
        return found

    def _cascades_in(
        self, content_dir: str, folders: tuple[str, ...], language: str
    ) -> list[dict[str, JSONValue]]:
        folder = "/".join((content_dir, *folders)) if content_dir != "." else "/".join(folders)
        key = (folder, language)
        if key not in self._cascades:
            self._cascades[key] = self._read_cascades(folder, content_dir, language)
        return self._cascades[key]

    def _read_cascades(
        self, folder: str, content_dir: str, language: str
    ) -> list[dict[str, JSONValue]]:
        # The section page of the page's own language: `_index.<lang>.md`, or for the
        # language the folder belongs to, `_index.md`.
        own = self.settings.content_dirs.get(content_dir) or self.settings.default_language
        stems = [f"_index.{language}"] + (["_index"] if language == own else [])
        for stem in stems:
            for extension in self._extensions:
                path = self.root / folder / (stem + extension)
                if not path.is_file():
                    continue
                name = f"{folder}/{stem}{extension}" if folder else stem + extension
                try:
                    front = _lowered(load_post(Source(path, str(path), name)).metadata)
                except Blog2JsonlError:
                    return []  # the section page reports its own error when it is read
                return _cascades(front.get("cascade"))
        return []


def _listing(path: Path) -> list[os.DirEntry[str]]:
    # Sorted here so that the order does not depend on the file system.
    try:
        with os.scandir(path) as scan:
            return sorted(scan, key=lambda item: item.name)
    except OSError:
        return []


def _cascades(value: JSONValue) -> list[dict[str, JSONValue]]:
    tables = value if isinstance(value, list) else [value]
    found: list[dict[str, JSONValue]] = []
    for table in tables:
        if isinstance(table, dict):
            lowered = _lowered(table)
            lowered.pop("_target", None)
            lowered.pop("target", None)
            found.append(lowered)
    return found


# --- front-matter values ---------------------------------------------------------------


def _truthy(value: JSONValue) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _never_rendered(front: Mapping[str, JSONValue]) -> bool:
    build = front.get("build", front.get("_build"))
    if not isinstance(build, dict):
        return False
    render = _lowered(build).get("render")
    # `render: false` is the old spelling of `never`.
    return render is False or (
        isinstance(render, str) and render.strip().lower() in ("never", "false")
    )


def _first_date(
    front: Mapping[str, JSONValue], keys: tuple[str, ...], zone: tzinfo
) -> datetime | None:
    for key in keys:
        moment = _date(front.get(key), zone)
        if moment is not None:
            return moment
    return None


def _date(value: JSONValue, zone: tzinfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    moment = parse_date(value, zone)
    if moment is None:
        # Go's time layouts take a one-digit hour: `2019-08-14T8:09:26-07:00`.
        moment = parse_date(re.sub(r"([T ])(\d):", r"\g<1>0\2:", value.strip(), count=1), zone)
    return moment


def _terms(value: JSONValue) -> list[JSONValue]:
    items = value if isinstance(value, list) else [value]
    return [text for text in map(_text, items) if text]


def _text(value: JSONValue) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return None
    return str(value)


def _urlize(title: str) -> str:
    """A title as Hugo's ``urlize`` makes it: lowercase, spaces as ``-``, no punctuation."""
    kept = ("-" if char.isspace() else char for char in title.strip().lower())
    return "".join(char for char in kept if char.isalnum() or char in "-_")


def _trailing_slash(path: str) -> str:
    """A written ``url`` ending in ``/``, unless its last part names a file (``b.html``)."""
    last = path.rsplit("/", 1)[-1]
    return path if path.endswith("/") or "." in last else path + "/"
