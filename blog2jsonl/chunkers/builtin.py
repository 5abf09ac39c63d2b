"""The built-in chunkers, registered through the ``blog2jsonl.chunkers`` entry point
exactly as a third-party plugin registers its own."""

from __future__ import annotations

from collections.abc import Callable

from . import ChunkerOption, ChunkerSpec

__all__ = ["register_chunkers"]

_ENCODING = ChunkerOption(
    "encoding", str, None, "tiktoken encoding [default: o200k_base, or the --model's]"
)
_MODEL = ChunkerOption("model", str, None, "pick the encoding of this model, e.g. gpt-4o-mini")


def register_chunkers(register: Callable[[ChunkerSpec], None]) -> None:
    """Register ``chars``, ``tokens`` and ``headings``."""
    from .chars import CharsChunker
    from .headings import HeadingsChunker
    from .tokens import TokensChunker

    register(
        ChunkerSpec(
            "chars",
            "Parts of at most N characters, ended at the best boundary (blank line, line, "
            "sentence, clause, space).",
            CharsChunker,
            (
                ChunkerOption("max_chars", int, 2000, "characters per part at most"),
                ChunkerOption("overlap", int, 0, "characters shared with the previous part"),
            ),
        )
    )
    register(
        ChunkerSpec(
            "tokens",
            "Parts of at most N tokens of a tiktoken encoding, ended on the same boundaries.",
            TokensChunker,
            (
                ChunkerOption("max_tokens", int, 512, "tokens per part at most"),
                ChunkerOption("overlap", int, 0, "tokens shared with the previous part"),
                _ENCODING,
                _MODEL,
            ),
        )
    )
    register(
        ChunkerSpec(
            "headings",
            "One part per section (split at headings of level <= N); long sections are cut "
            "by tokens (or chars).",
            HeadingsChunker,
            (
                ChunkerOption("heading_level", int, 2, "split at headings of this level or above"),
                ChunkerOption(
                    "max_tokens", int, 512, "tokens per part at most (the default budget)"
                ),
                ChunkerOption("max_chars", int, None, "budget in characters instead of tokens"),
                ChunkerOption(
                    "min_size",
                    int,
                    None,
                    "smaller sections merge with the next [default: budget / 8]",
                ),
                ChunkerOption("overlap", int, 0, "budget units shared when a section is cut"),
                _ENCODING,
                _MODEL,
            ),
        )
    )
