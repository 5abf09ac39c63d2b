"""Format: turn a post's chunks into titled "Part N" records, and records into JSON objects.

A :class:`~blog2jsonl.models.Record` is format-neutral (prompt, text, provenance);
:func:`completion_object` gives it the ``{"prompt": ..., "completion": ...}`` shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import OptionsError
from .models import Chunk, JSONValue, Post, Record

__all__ = [
    "DEFAULT_PROMPT_TEMPLATE",
    "TEMPLATE_FIELDS",
    "FormatOptions",
    "completion_object",
    "make_records",
]

DEFAULT_PROMPT_TEMPLATE = "{title} Part {part}"
#: The fields a prompt template may use.
TEMPLATE_FIELDS = ("title", "part", "parts", "heading", "source", "chunker", "date")
HEADING_JOINER = " \u203a "  # a single right-pointing angle quotation mark: "Intro > Setup"


@dataclass(frozen=True, slots=True)
class FormatOptions:
    """How records are written.

    ``separator`` is appended to every prompt and ``stop`` to every completion (OpenAI's
    legacy conventions; both empty by default). ``metadata`` adds a ``meta`` object.
    Raises :class:`OptionsError` for a template that uses an unknown field.
    """

    prompt_template: str = DEFAULT_PROMPT_TEMPLATE
    separator: str = ""
    stop: str = ""
    metadata: bool = False

    def __post_init__(self) -> None:
        sample: dict[str, Any] = dict.fromkeys(TEMPLATE_FIELDS, "x") | {"part": 1, "parts": 1}
        try:
            self.prompt_template.format_map(sample)
        except KeyError as error:
            fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise OptionsError(
                f"prompt template uses unknown field {{{error.args[0]}}} (fields: {fields})"
            ) from None
        except (IndexError, ValueError) as error:
            raise OptionsError(f"bad prompt template {self.prompt_template!r}: {error}") from None


def make_records(
    post: Post,
    title: str,
    chunks: Sequence[Chunk],
    chunker: str,
    options: FormatOptions,
) -> Iterator[Record]:
    """One :class:`Record` per chunk of one post, parts numbered 1..N."""
    parts = len(chunks)
    date = post.metadata.get("date")
    tags = post.metadata.get("tags")
    for part, chunk in enumerate(chunks, 1):
        fields = {
            "title": title,
            "part": part,
            "parts": parts,
            "heading": HEADING_JOINER.join(chunk.heading_path),
            "source": post.source.name,
            "chunker": chunker,
            "date": "" if date is None else date,
        }
        meta: dict[str, JSONValue] | None = None
        if options.metadata:
            meta = {
                "source": post.source.name,
                "title": title,
                "part": part,
                "parts": parts,
                "heading": list(chunk.heading_path),
                "span": [chunk.start, chunk.end],
            }
            if chunk.tokens is not None:
                meta["tokens"] = chunk.tokens
            meta["chunker"] = chunker
            if date is not None:
                meta["date"] = date
            if tags is not None:
                meta["tags"] = tags
        yield Record(options.prompt_template.format_map(fields), chunk.text, meta)


def completion_object(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    """The ``{"prompt": ..., "completion": " <text>"}`` object (plus ``meta`` if any)."""
    data: dict[str, JSONValue] = {
        "prompt": record.prompt + options.separator,
        "completion": " " + record.completion + options.stop,
    }
    if record.meta is not None:
        data["meta"] = dict(record.meta)
    return data
