"""Sites: read a Hexo, Hugo or Jekyll site the way its generator does.

Pointed at a site's root, discovery asks each generator whether the folder is one of its
sites (:func:`detect`). The chosen :class:`SiteReader` then lists the files the generator
would consider (:meth:`SiteReader.entries`, the discover stage) and, once a post is
loaded, decides whether the site publishes it and what it knows about it
(:meth:`SiteReader.judge`, the load stage). One module per generator implements it;
``plain`` is any folder of posts, read as it always was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Protocol

from ..errors import OptionsError
from ..models import JSONValue, Post

__all__ = [
    "GENERATORS",
    "SITES",
    "Entry",
    "Generator",
    "SiteOptions",
    "SiteReader",
    "Verdict",
    "detect",
    "open_site",
    "parse_date",
]

#: What ``--site`` takes.
SITES = ("auto", "hexo", "hugo", "jekyll", "plain")


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """What a site build publishes beyond its defaults, like the generators' own flags.

    ``drafts``, ``future`` and ``expired`` take drafts, future-dated and expired posts
    (Hugo's ``-D -F -E``); ``pages`` takes pages that are not posts (Hexo pages, Hugo
    ``_index.md``). ``now`` is the build time, fixed for reproducible builds;
    ``base_url`` makes URL paths absolute. ``extensions`` are the post file endings.
    """

    drafts: bool = False
    future: bool = False
    expired: bool = False
    pages: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    base_url: str | None = None
    extensions: tuple[str, ...] = (".md", ".markdown", ".mkdn")


@dataclass(frozen=True, slots=True)
class Entry:
    """A file the generator considers, before it is read.

    ``name`` is its path below the site root with ``/`` separators. ``kind`` is
    ``post``, ``page`` or ``draft``. ``skip`` is the reason it is not taken when that is
    known without reading it (``"draft"``, ``"page"``, ``"not a post"``); such entries
    are listed so that the summary and ``--explain`` can account for them. ``facts`` are
    what the path says (a date or slug from the file name, a language from a suffix).
    """

    path: Path
    name: str
    kind: str = "post"
    language: str | None = None
    skip: str | None = None
    facts: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a loaded post is published, and what the site says about it.

    ``skip`` is ``None`` for a published post, else the reason (``"draft"``,
    ``"future"``, ``"expired"``, ``"unpublished"``, ``"headless"``, ``"not rendered"``).
    ``metadata`` goes into the record's ``meta``: generator, language, date, updated,
    tags, categories, slug, url, each when known.
    """

    skip: str | None = None
    metadata: Mapping[str, JSONValue] = field(default_factory=dict)


class SiteReader(Protocol):
    """One site, opened with its options."""

    name: str
    root: Path
    reason: str  # what gave it away, for the summary: "hugo.toml"

    def entries(self) -> Iterator[Entry]:
        """Every file the generator would consider, in a stable (sorted) order."""
        ...

    def judge(self, entry: Entry, post: Post) -> Verdict:
        """Whether the site publishes the loaded ``post``, and its metadata."""
        ...


class Generator(Protocol):
    """A static-site generator: how to recognise its sites and open one."""

    name: str

    def detect(self, root: Path) -> str | None:
        """What marks ``root`` as this generator's site (``"hugo.toml"``), or ``None``."""
        ...

    def open(self, root: Path, options: SiteOptions, reason: str) -> SiteReader:
        """Read the site's configuration; raises :class:`OptionsError` if unusable."""
        ...


def _generators() -> dict[str, Generator]:
    from .hexo import HEXO
    from .hugo import HUGO
    from .jekyll import JEKYLL

    # Checked in this order: Hugo's markers are unambiguous; Hexo and Jekyll both have
    # a _config.yml and are told apart by package.json / source/_posts vs _posts.
    return {"hugo": HUGO, "hexo": HEXO, "jekyll": JEKYLL}


GENERATORS = ("hugo", "hexo", "jekyll")


def detect(root: str | os.PathLike[str]) -> tuple[str, str] | None:
    """The generator whose site ``root`` is, and what gave it away; ``None`` for none."""
    folder = Path(root)
    if not folder.is_dir():
        return None
    for name, generator in _generators().items():
        reason = generator.detect(folder)
        if reason is not None:
            return name, reason
    return None


def open_site(root: str | os.PathLike[str], site: str, options: SiteOptions) -> SiteReader | None:
    """Open ``root`` as a ``site`` (one of :data:`SITES`); ``None`` means a plain folder.

    ``auto`` detects the generator. Naming a generator whose markers are missing is an
    error, so that a typo in a build script is not silently read as a plain folder.
    Raises :class:`OptionsError` for an unknown site or an unusable site config.
    """
    if site not in SITES:
        raise OptionsError(f"unknown site {site!r} (choose from {', '.join(SITES)})")
    if site == "plain":
        return None
    folder = Path(root)
    if site == "auto":
        found = detect(folder)
        if found is None:
            return None
        name, reason = found
    else:
        name = site
        reason = _generators()[site].detect(folder) or ""
        if not reason:
            raise OptionsError(f"{root} is not a {site} site (no {site} configuration found)")
    return _generators()[name].open(folder, options, reason)


def parse_date(value: object, tz: tzinfo | None = None) -> datetime | None:
    """A front-matter or file-name date as an aware datetime, or ``None``.

    Takes ``2024-03-01``, ``2024-03-01 10:00[:00]``, ``2024-03-01T10:00:00[Z|+02:00]``
    (strings, as the load stage keeps them). A date without a zone is in ``tz``
    (default UTC); a date without a time is midnight.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        day, _, rest = text.partition(" ")
        rest = rest.strip()
        # "2024-03-01 10:00:00 +0800" (Jekyll) -> "2024-03-01T10:00:00+0800"
        text = day + "T" + rest.replace(" ", "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz or UTC)
    return moment
