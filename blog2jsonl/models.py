"""The values that flow between pipeline stages: small frozen dataclasses.

A :class:`Source` (discover) becomes a :class:`Post` (load), then a :class:`Document`
(clean), then :class:`Chunk` values (chunk), then :class:`Record` values (format).
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import TypeAlias

from .errors import Diagnostic

__all__ = ["Chunk", "Document", "Heading", "JSONValue", "Post", "Record", "Source"]

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None


@dataclass(frozen=True, slots=True)
class Source:
    """One input post, as discovered.

    ``path`` is ``None`` for standard input. ``display`` is how messages name it (the path
    as the user gave it, joined with the part found below a folder). ``name`` is the path
    relative to its input root with ``/`` separators: the record's ``meta.source``.
    """

    path: Path | None
    display: str
    name: str

    def __reduce__(self) -> tuple[Callable[..., Source], tuple[object, ...]]:
        # Sent to -j N workers once per post: its path as a string pickles and unpickles
        # several times faster than a Path's parts and a dataclass's state.
        if self.path is None:
            return Source, (None, self.display, self.name)
        return _source, (type(self.path), os.fspath(self.path), self.display, self.name)


def _source(kind: type[Path], path: str, display: str, name: str) -> Source:
    return Source(kind(path), display, name)


@dataclass(frozen=True, slots=True)
class Post:
    """A loaded post: decoded, newline-normalised text split into front matter and body.

    ``body_line`` is the 1-based line of the file on which ``body`` starts, so that
    later stages can name source lines. ``metadata`` is JSON-safe. ``title`` is the
    front matter's title as the author wrote it, or ``None``. ``front_matter`` names its
    format (``yaml``, ``toml``, ``json``) or is ``None`` when the post has none.
    """

    source: Source
    body: str
    body_line: int
    metadata: Mapping[str, JSONValue]
    front_matter: str | None = None
    title: str | None = None
    warnings: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a cleaned document.

    ``start``/``end`` delimit the heading's lines in the cleaned text; ``line`` is its
    1-based line in the source file.
    """

    level: int
    text: str
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class Document:
    """A post with its code and markup noise removed, ready to be chunked.

    ``text`` is assembled from slices of the author's source. ``headings`` are the
    top-level headings in order of position. ``warnings`` are what cleaning noticed
    (an unclosed fence, say) and did not stop for.
    """

    source: Source
    text: str
    headings: tuple[Heading, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    # Built on the first heading_path() call: a chunker asks once per part, and a long
    # README can have thousands of headings and of parts.
    _outline: _Outline | None = field(default=None, init=False, repr=False, compare=False)

    def heading_path(self, position: int) -> tuple[str, ...]:
        """The texts of the headings enclosing ``position``, outermost first: the last
        heading that starts at or before it, and each heading of a lower level that
        encloses that one."""
        outline = self._outline
        if outline is None:
            outline = _Outline.of(self.headings)
            object.__setattr__(self, "_outline", outline)
        index = bisect_right(outline.reach, position) - 1
        texts: list[str] = []
        while index >= 0:
            texts.append(self.headings[index].text)
            index = outline.parents[index]
        texts.reverse()
        return tuple(texts)


@dataclass(frozen=True, slots=True)
class _Outline:
    """Where a document's headings nest: each one's enclosing heading (``-1``: none),
    and the furthest start up to each one, which a position is looked up in (the
    headings are in order of position; one out of order ends the lookup early)."""

    parents: list[int]
    reach: list[int]

    @classmethod
    def of(cls, headings: tuple[Heading, ...]) -> _Outline:
        parents: list[int] = []
        open_: list[int] = []  # the headings enclosing the one met last, outermost first
        for index, heading in enumerate(headings):
            while open_ and headings[open_[-1]].level >= heading.level:
                open_.pop()
            parents.append(open_[-1] if open_ else -1)
            open_.append(index)
        return cls(parents, list(accumulate((h.start for h in headings), max)))


@dataclass(frozen=True, slots=True)
class Chunk:
    """One part of a document.

    ``text`` equals ``document.text[start:end]``; ``part`` is 1-based. ``tokens`` is the
    token count when the chunker knows it, else ``None``.
    """

    text: str
    part: int
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One training example, before it is given the shape of an output format."""

    prompt: str
    completion: str
    meta: Mapping[str, JSONValue] | None = field(default=None)
