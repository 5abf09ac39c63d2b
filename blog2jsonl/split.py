"""Split: decide, post by post, which posts form the validation set.

The split is by post, so every part of a post lands on the same side and the
validation set never holds a neighbour of a training example. Each post gets a key
from a hash of the seed and its name (its path below the input folder); the posts with
the smallest keys form the validation set. The choice depends only on the seed and the
names: the same for every run, every machine and every Python, and independent of the
order posts are read in.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable

__all__ = ["post_key", "validation_threshold"]


def post_key(name: str, seed: int) -> int:
    """The post's place in the seeded order: a 64-bit integer from ``name`` and ``seed``."""
    digest = hashlib.blake2b(f"{seed}\0{name}".encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


def validation_threshold(names: Iterable[str], ratio: float, seed: int) -> int | None:
    """The largest key (see :func:`post_key`) that goes to validation, or ``None`` for none.

    ``round(ratio * n)`` of the ``n`` posts are chosen, but at least one and never all
    of them when there are two or more, so that neither side is empty. Holds one
    integer per post in memory, not the names.
    """
    if ratio <= 0:
        return None
    keys = [post_key(name, seed) for name in names]
    if len(keys) < 2:
        return None
    wanted = min(max(round(ratio * len(keys)), 1), len(keys) - 1)
    return heapq.nsmallest(wanted, keys)[-1]
