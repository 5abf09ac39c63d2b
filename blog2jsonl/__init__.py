"""blog2jsonl: turn a Markdown blog into a clean fine-tuning training set in JSONL.

The pipeline, one module per stage: :mod:`~blog2jsonl.discover` → :mod:`~blog2jsonl.load`
(front matter, :mod:`~blog2jsonl.title`) → :mod:`~blog2jsonl.clean` →
:mod:`~blog2jsonl.chunkers` → :mod:`~blog2jsonl.format` → :mod:`~blog2jsonl.write`,
and :mod:`~blog2jsonl.pipeline` for the whole::

    import blog2jsonl

    for record in blog2jsonl.iter_records(["posts/"], chunker="tokens"):
        print(record["prompt"])

Names are imported on first use, so that ``import blog2jsonl`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chunkers import Chunker, ChunkerOption, ChunkerRegistry, ChunkerSpec, get_registry
    from .clean import clean
    from .discover import iter_sources
    from .errors import (
        Blog2JsonlError,
        DecodeError,
        Diagnostic,
        FrontMatterError,
        OptionsError,
        PluginError,
        PostError,
        ReadError,
    )
    from .format import FormatOptions, FormatSpec, format_record, get_formats, make_records
    from .load import load_post
    from .models import Chunk, Document, Heading, Post, Record, Source
    from .pipeline import (
        Options,
        PostResult,
        Summary,
        convert,
        convert_post,
        iter_records,
        iter_results,
    )
    from .title import resolve_title
    from .tokenizer import count_tokens, get_encoding

_EXPORTS = {
    "chunkers": ("Chunker", "ChunkerOption", "ChunkerRegistry", "ChunkerSpec", "get_registry"),
    "clean": ("clean",),
    "discover": ("iter_sources",),
    "errors": (
        "Blog2JsonlError",
        "DecodeError",
        "Diagnostic",
        "FrontMatterError",
        "OptionsError",
        "PluginError",
        "PostError",
        "ReadError",
    ),
    "format": ("FormatOptions", "FormatSpec", "format_record", "get_formats", "make_records"),
    "load": ("load_post",),
    "models": ("Chunk", "Document", "Heading", "Post", "Record", "Source"),
    "pipeline": (
        "Options",
        "PostResult",
        "Summary",
        "convert",
        "convert_post",
        "iter_records",
        "iter_results",
    ),
    "title": ("resolve_title",),
    "tokenizer": ("count_tokens", "get_encoding"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'blog2jsonl' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
