"""Format: turn a post's chunks into titled "Part N" records, and records into JSON objects.

A :class:`~blog2jsonl.models.Record` is format-neutral (prompt, text, provenance). A
*format* gives it the shape one family of trainers reads; the formats live in one
registry, filled through the entry-point group ``blog2jsonl.formats`` exactly like the
chunkers (the built-ins register the same way a plugin does)::

    # pyproject.toml of a plugin package
    [project.entry-points."blog2jsonl.formats"]
    mine = "my_package:register_formats"

    # my_package/__init__.py
    def register_formats(register):
        register(FormatSpec("mine", "My trainer's shape.", lambda record, options: {...}))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import OptionsError
from .models import Chunk, JSONValue, Post, Record
from .registry import Registry

__all__ = [
    "DEFAULT_PROMPT_TEMPLATE",
    "DEFAULT_TEXT_TEMPLATE",
    "ENTRY_POINT_GROUP",
    "PRESETS",
    "TEMPLATE_FIELDS",
    "FormatOptions",
    "FormatRegistry",
    "FormatSpec",
    "format_record",
    "get_formats",
    "make_records",
]

ENTRY_POINT_GROUP = "blog2jsonl.formats"
DEFAULT_PROMPT_TEMPLATE = "{title} Part {part}"
#: The fields a prompt template may use.
TEMPLATE_FIELDS = ("title", "part", "parts", "heading", "source", "chunker", "date")
#: The ``text`` format's default: the prompt as a header line, a blank line, the text.
DEFAULT_TEXT_TEMPLATE = "{prompt}\n\n{text}"
TEXT_TEMPLATE_FIELDS = ("prompt", "text")
HEADING_JOINER = " \u203a "  # a single right-pointing angle quotation mark: "Intro > Setup"

#: Named bundles of options. ``openai-legacy`` is OpenAI's legacy prompt/completion
#: convention: a separator that occurs nowhere else ends every prompt, and every
#: completion starts with a space and ends with a stop sequence.
PRESETS: Mapping[str, Mapping[str, str]] = {
    "openai-legacy": {"format": "completion", "separator": "\n\n###\n\n", "stop": " END"},
}

Formatter = Callable[[Record, "FormatOptions"], dict[str, JSONValue]]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """An output format as the registry knows it.

    ``build`` gives a record its shape (without ``meta``, which the format stage adds).
    ``strict``: the trainers that read it reject keys they do not know, so ``meta``
    earns a warning. ``legacy``: it takes a separator and a stop sequence. ``system``:
    it can carry a system message. ``llama_factory`` returns the format's
    ``dataset_info.json`` entry for LLaMA-Factory (without ``file_name``), or is ``None``.
    """

    name: str
    summary: str
    build: Formatter
    strict: bool = False
    legacy: bool = False
    system: bool = False
    llama_factory: Callable[[FormatOptions], dict[str, JSONValue]] | None = None


class FormatRegistry(Registry[FormatSpec]):
    """The output formats by name, in the order they were registered."""

    def __init__(self) -> None:
        super().__init__("format")


@cache
def get_formats() -> FormatRegistry:
    """The process-wide format registry, with every installed plugin loaded on first use."""
    registry = FormatRegistry()
    registry.load_entry_points(ENTRY_POINT_GROUP)
    if "completion" not in registry:
        # Running from a source tree that was never installed: no entry-point metadata.
        register_formats(registry.register)
    return registry


@dataclass(frozen=True, slots=True)
class FormatOptions:
    """How records are shaped.

    ``format`` names a registered format. ``separator`` is appended to every prompt
    and ``stop`` to every completion, for formats that take OpenAI's legacy
    conventions (both empty by default). ``system`` is a system message, for formats
    that carry one. ``text_template`` shapes the ``text`` format from ``{prompt}`` and
    ``{text}``. ``metadata`` adds a ``meta`` object to every record.

    Raises :class:`OptionsError` for an unknown format or template field, or an option
    the format does not take.
    """

    format: str = "completion"
    prompt_template: str = DEFAULT_PROMPT_TEMPLATE
    separator: str = ""
    stop: str = ""
    system: str | None = None
    text_template: str = DEFAULT_TEXT_TEMPLATE
    metadata: bool = False

    def __post_init__(self) -> None:
        sample: dict[str, Any] = dict.fromkeys(TEMPLATE_FIELDS, "x") | {"part": 1, "parts": 1}
        _check_template("prompt", self.prompt_template, sample, TEMPLATE_FIELDS)
        spec = self.spec
        if spec.name == "text":
            sample = dict.fromkeys(TEXT_TEMPLATE_FIELDS, "x")
            _check_template("text", self.text_template, sample, TEXT_TEMPLATE_FIELDS)
        elif self.text_template != DEFAULT_TEXT_TEMPLATE:
            raise OptionsError("a text template applies to the text format only")
        if not spec.legacy:
            for name, value in (("separator", self.separator), ("stop", self.stop)):
                if value:
                    raise OptionsError(
                        f"a {name} applies to formats with OpenAI's legacy conventions "
                        f"({_names(lambda s: s.legacy)}), not {spec.name}"
                    )
        if self.system is not None and not spec.system:
            raise OptionsError(
                f"a system message applies to the {_names(lambda s: s.system)} formats, "
                f"not {spec.name}"
            )

    @property
    def spec(self) -> FormatSpec:
        """The registered format these options name."""
        return get_formats().get(self.format)


def _check_template(
    kind: str, template: str, sample: Mapping[str, Any], fields: Sequence[str]
) -> None:
    try:
        template.format_map(sample)
    except KeyError as error:
        known = ", ".join("{" + f + "}" for f in fields)
        raise OptionsError(
            f"{kind} template uses unknown field {{{error.args[0]}}} (fields: {known})"
        ) from None
    except (IndexError, ValueError) as error:
        raise OptionsError(f"bad {kind} template {template!r}: {error}") from None


def _names(wanted: Callable[[FormatSpec], bool]) -> str:
    return ", ".join(spec.name for spec in get_formats() if wanted(spec))


def make_records(
    post: Post,
    title: str,
    chunks: Sequence[Chunk],
    chunker: str,
    options: FormatOptions,
    *,
    site: Mapping[str, JSONValue] | None = None,
) -> Iterator[Record]:
    """One :class:`Record` per chunk of one post, parts numbered 1..N, each with its
    provenance (``meta``), which :func:`format_record` writes only when asked to.

    ``site`` is what a static site's generator says of the post (generator, language,
    date, updated, tags, categories, slug, url); it goes into ``meta`` and its date
    and tags win over the front matter's.
    """
    site = site or {}
    parts = len(chunks)
    date = site.get("date", post.metadata.get("date"))
    tags = site.get("tags", post.metadata.get("tags"))
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
        meta: dict[str, JSONValue] = {
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
        for key, value in site.items():
            meta.setdefault(key, value)
        yield Record(options.prompt_template.format_map(fields), chunk.text, meta)


def format_record(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    """The record as a JSON object in ``options.format``, with ``meta`` when asked for."""
    data = options.spec.build(record, options)
    if options.metadata and record.meta is not None:
        data["meta"] = dict(record.meta)
    return data


# The built-in formats.


def _completion(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    return {
        "prompt": record.prompt + options.separator,
        "completion": " " + record.completion + options.stop,
    }


def _chat(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    messages: list[JSONValue] = []
    if options.system is not None:
        messages.append({"role": "system", "content": options.system})
    messages.append({"role": "user", "content": record.prompt})
    messages.append({"role": "assistant", "content": record.completion})
    return {"messages": messages}


def _text(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    return {"text": options.text_template.format(prompt=record.prompt, text=record.completion)}


def _alpaca(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    data: dict[str, JSONValue] = {
        "instruction": record.prompt,
        "input": "",
        "output": record.completion,
    }
    if options.system is not None:
        data["system"] = options.system
    return data


def _sharegpt(record: Record, options: FormatOptions) -> dict[str, JSONValue]:
    data: dict[str, JSONValue] = {
        "conversations": [
            {"from": "human", "value": record.prompt},
            {"from": "gpt", "value": record.completion},
        ]
    }
    if options.system is not None:
        data["system"] = options.system
    return data


# LLaMA-Factory's dataset_info.json entries (its data/README.md documents the keys).


def _columns(columns: dict[str, JSONValue], options: FormatOptions) -> dict[str, JSONValue]:
    # A "system" column that names no key would fail LLaMA-Factory's loader.
    return columns | ({"system": "system"} if options.system is not None else {})


def _llama_completion(options: FormatOptions) -> dict[str, JSONValue]:
    return {"columns": {"prompt": "prompt", "response": "completion"}}


def _llama_chat(options: FormatOptions) -> dict[str, JSONValue]:
    return {
        "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
            "system_tag": "system",
        },
    }


def _llama_text(options: FormatOptions) -> dict[str, JSONValue]:
    return {"columns": {"prompt": "text"}}


def _llama_alpaca(options: FormatOptions) -> dict[str, JSONValue]:
    columns: dict[str, JSONValue] = {
        "prompt": "instruction",
        "query": "input",
        "response": "output",
    }
    return {"formatting": "alpaca", "columns": _columns(columns, options)}


def _llama_sharegpt(options: FormatOptions) -> dict[str, JSONValue]:
    return {"formatting": "sharegpt", "columns": _columns({"messages": "conversations"}, options)}


def register_formats(register: Callable[[FormatSpec], None]) -> None:
    """Register the built-in formats (the ``blog2jsonl.formats`` entry point's hook)."""
    register(
        FormatSpec(
            "completion",
            '{"prompt", "completion"}: the completion starts with a space (OpenAI legacy, '
            "Together, Fireworks).",
            _completion,
            strict=True,
            legacy=True,
            llama_factory=_llama_completion,
        )
    )
    register(
        FormatSpec(
            "chat",
            '{"messages": [system?, user, assistant]} (OpenAI, TRL, Axolotl, Together, '
            "Fireworks, Mistral).",
            _chat,
            strict=True,
            system=True,
            llama_factory=_llama_chat,
        )
    )
    register(
        FormatSpec(
            "text",
            '{"text"}: header and text, for language-model training.',
            _text,
            strict=True,
            llama_factory=_llama_text,
        )
    )
    register(
        FormatSpec(
            "alpaca",
            '{"instruction", "input", "output"} (+ "system") (LLaMA-Factory, Axolotl).',
            _alpaca,
            system=True,
            llama_factory=_llama_alpaca,
        )
    )
    register(
        FormatSpec(
            "sharegpt",
            '{"conversations": [human, gpt]} (+ "system") (LLaMA-Factory, Axolotl).',
            _sharegpt,
            system=True,
            llama_factory=_llama_sharegpt,
        )
    )
