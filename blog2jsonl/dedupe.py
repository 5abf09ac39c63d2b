"""Dedupe: drop records whose text was already written in this run.

Two records are the same when their texts are equal after whitespace normalisation
(runs of white space read as one space, ends trimmed): a post copied under a second
path, or a boilerplate part ("Thanks for reading...") repeated at the end of many posts,
is trained on once. One 64-bit digest per kept record is held in memory, not its text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Deduplicator", "Kept", "digest"]


@dataclass(frozen=True, slots=True)
class Kept:
    """What :meth:`Deduplicator.keep` let through of one post's texts.

    ``indices`` are the positions of the new texts, in order. ``copy_of`` names the
    earlier post when every text repeated that one post.
    """

    indices: tuple[int, ...]
    dropped: int
    copy_of: str | None = None


class Deduplicator:
    """Remembers the records of one run and lets each text through once."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}  # digest -> index in _posts of its first post
        self._posts: list[str] = []

    def keep(self, post: str, texts: Sequence[str]) -> Kept:
        """Which of the ``texts`` of ``post`` (its display name) were not seen before."""
        return self.keep_digests(post, [digest(text) for text in texts])

    def keep_digests(self, post: str, digests: Sequence[int]) -> Kept:
        """:meth:`keep`, for texts given by their :func:`digest` (made where they were)."""
        index = len(self._posts)
        kept: list[int] = []
        first: set[int] = set()
        for position, value in enumerate(digests):
            seen = self._seen.get(value)
            if seen is None:
                self._seen[value] = index
                kept.append(position)
            else:
                first.add(seen)
        if kept:
            self._posts.append(post)
        copy_of = None
        if digests and not kept and len(first) == 1:
            copy_of = self._posts[first.pop()]
        return Kept(tuple(kept), len(digests) - len(kept), copy_of)


def digest(text: str) -> int:
    """The 64-bit digest that stands for ``text`` (whitespace-normalised) in a run."""
    normal = " ".join(text.split()).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(normal, digest_size=8).digest(), "big")
