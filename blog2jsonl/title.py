"""Title: the front matter's title as written, else the first H1, else the file name."""

from __future__ import annotations

import re

from .models import Document, Post

__all__ = ["resolve_title", "title_from_name"]

_JEKYLL_NAME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}-(.+)")
_BUNDLE_STEMS = frozenset({"index", "_index", "readme"})


def resolve_title(post: Post, document: Document) -> str:
    """The post's title, never empty, surrounding whitespace trimmed.

    The front matter's ``title`` as the author wrote it (``title: 1.10`` gives "1.10");
    else the text of the document's first level-1 heading; else :func:`title_from_name`.
    """
    if post.title is not None and post.title.strip():
        return " ".join(post.title.split())
    for heading in document.headings:
        if heading.level == 1 and heading.text.strip():
            return heading.text.strip()
    return title_from_name(post.source.name)


def title_from_name(name: str) -> str:
    """A title from a post's path: the file name without extension.

    A Jekyll-style ``YYYY-MM-DD-slug`` name loses the date and the slug's hyphens become
    spaces; a page bundle's ``index.md`` is named after its folder.
    """
    parts = [part for part in name.split("/") if part]
    stem = parts[-1].rsplit(".", 1)[0] if parts and "." in parts[-1] else (parts or ["-"])[-1]
    if stem.lower() in _BUNDLE_STEMS and len(parts) > 1:
        stem = parts[-2]
    jekyll = _JEKYLL_NAME.fullmatch(stem)
    if jekyll:
        stem = jekyll.group(1).replace("-", " ")
    stem = stem.strip()
    if stem in ("", "-"):
        return "stdin" if name == "-" else "untitled"
    return stem
