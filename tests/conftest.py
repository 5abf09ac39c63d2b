"""Shared fixtures.

The real-blog corpora live beside the repository, in ``../shared/corpora`` (never copied
into it). A fresh clone has no such folder, so the tests that read them skip; CI sets
``BLOG2JSONL_REQUIRE_CORPORA=1`` so that a missing corpus fails the run instead of
quietly skipping a third of the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Points at the corpora folder when it is not at ``../shared/corpora``.
CORPORA_ENV = "BLOG2JSONL_CORPORA"
#: Set (to anything but ``0``, ``false``, ``no`` or nothing) to fail, not skip, without them.
REQUIRE_CORPORA_ENV = "BLOG2JSONL_REQUIRE_CORPORA"

CORPUS_NAMES = ("hexo-site", "jekyll", "jessfraz-blog", "nodejs-blog")
DEFAULT_CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def _required() -> bool:
    value = os.environ.get(REQUIRE_CORPORA_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The folder holding the four real-blog corpora.

    Skips every test that uses it when the folder (or one of the corpora) is missing,
    or fails them when ``BLOG2JSONL_REQUIRE_CORPORA`` is set.
    """
    override = os.environ.get(CORPORA_ENV)
    path = Path(override).expanduser() if override else DEFAULT_CORPORA
    missing = [name for name in CORPUS_NAMES if not (path / name).is_dir()]
    if missing:
        reason = (
            f"real-blog corpora not found at {path}; they live beside the repo in ../shared/corpora"
        )
        if path.is_dir():
            reason += f" (missing: {', '.join(missing)})"
        if override:
            reason += f" ({CORPORA_ENV} is set)"
        if _required():
            pytest.fail(f"{reason}, and {REQUIRE_CORPORA_ENV} requires them", pytrace=False)
        pytest.skip(reason)
    return path
