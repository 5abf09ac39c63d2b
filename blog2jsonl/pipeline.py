"""The whole pipeline: discover -> load -> clean -> title -> chunk -> format -> write.

Everything streams: one post is in memory at a time, and each record is written as soon
as its post is converted. A post that cannot be read or parsed is reported and skipped;
it never costs another post its output.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .chunkers import Chunker, get_registry
from .clean import clean
from .discover import DEFAULT_EXTENSIONS, Skipped, iter_sources
from .errors import Diagnostic, OptionsError, PostError
from .format import DEFAULT_PROMPT_TEMPLATE, FormatOptions, completion_object, make_records
from .load import load_post
from .models import Chunk, JSONValue, Record, Source
from .title import resolve_title
from .write import dumps_record, open_output

__all__ = [
    "Options",
    "PostResult",
    "Reporter",
    "Summary",
    "convert",
    "convert_post",
    "iter_records",
    "iter_results",
]

Reporter = Callable[[Diagnostic], None]
Status = Literal["converted", "skipped", "failed"]
PathArg = str | os.PathLike[str]

_log = logging.getLogger("blog2jsonl")


def _log_diagnostic(diagnostic: Diagnostic) -> None:
    level = logging.ERROR if diagnostic.severity == "error" else logging.WARNING
    if diagnostic.severity == "note":
        level = logging.INFO
    _log.log(level, "%s", diagnostic)


@dataclass(frozen=True, slots=True)
class Options:
    """Everything that decides a run's output.

    ``chunker_options`` are passed to the chunker named ``chunker`` (see
    ``blog2jsonl chunkers`` for each one's options). Raises :class:`OptionsError` on
    unusable values.
    """

    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    keep_code: bool = False
    keep_html: bool = False
    chunker: str = "chars"
    chunker_options: Mapping[str, Any] = field(default_factory=dict)
    prompt_template: str = DEFAULT_PROMPT_TEMPLATE
    separator: str = ""
    stop: str = ""
    metadata: bool = False
    strict: bool = False

    @property
    def format(self) -> FormatOptions:
        """The format stage's share of the options."""
        return FormatOptions(self.prompt_template, self.separator, self.stop, self.metadata)

    def __post_init__(self) -> None:
        self.format  # noqa: B018 - a bad prompt template fails here, before any work

    def make_chunker(self) -> Chunker:
        """Build the configured chunker from the registry."""
        return get_registry().create(self.chunker, self.chunker_options)


@dataclass(frozen=True, slots=True)
class PostResult:
    """What became of one discovered input.

    ``status`` is ``converted`` (with ``records``), ``skipped`` (``reason`` says why:
    a post that cleans to nothing, or a path discovery passed over; ``read`` tells the
    two apart) or ``failed`` (``error`` says where and why).
    """

    source: Source | None
    display: str
    status: Status
    records: tuple[Record, ...] = ()
    chunks: tuple[Chunk, ...] = ()
    reason: str | None = None
    error: PostError | None = None
    warnings: tuple[Diagnostic, ...] = ()
    read: bool = True


def convert_post(source: Source, options: Options, chunker: Chunker) -> PostResult:
    """Convert one post. Never raises for bad input: a bad post is a ``failed`` result."""
    try:
        post = load_post(source)
        document = clean(post, keep_code=options.keep_code, keep_html=options.keep_html)
    except PostError as error:
        return PostResult(source, source.display, "failed", error=error)
    if not document.text.strip():
        reason = "no body" if not post.body.strip() else "empty after cleaning"
        return PostResult(
            source, source.display, "skipped", reason=reason, warnings=document.warnings
        )
    title = resolve_title(post, document)
    chunks = tuple(chunker.chunk(document))
    records = tuple(make_records(post, title, chunks, options.chunker, options.format))
    return PostResult(
        source, source.display, "converted", records, chunks, warnings=document.warnings
    )


def iter_results(
    paths: Iterable[PathArg],
    options: Options | None = None,
    *,
    report: Reporter | None = None,
) -> Iterator[PostResult]:
    """Convert every post under ``paths``, yielding one :class:`PostResult` per input.

    Diagnostics (skipped paths, warnings, failed posts) go to ``report`` as they happen
    (default: the ``blog2jsonl`` logger). With ``options.strict`` the first failed post
    raises its :class:`PostError` instead. Raises :class:`OptionsError` for bad options
    before reading anything.
    """
    options = options or Options()
    report = report or _log_diagnostic
    chunker = options.make_chunker()
    for item in iter_sources(paths, options.extensions):
        if isinstance(item, Skipped):
            report(Diagnostic(item.display, None, item.message, "note"))
            yield PostResult(None, item.display, "skipped", reason=item.reason, read=False)
            continue
        result = convert_post(item, options, chunker)
        for warning in result.warnings:
            report(warning)
        if result.error is not None:
            if options.strict:
                raise result.error
            report(Diagnostic(result.error.path, result.error.line, result.error.message, "error"))
        yield result


def _options(options: Options | None, kwargs: Mapping[str, Any]) -> Options:
    if options is not None and kwargs:
        raise OptionsError("give either an Options object or keyword options, not both")
    try:
        return options or Options(**kwargs)
    except TypeError as error:
        raise OptionsError(str(error)) from None


def iter_records(
    paths: Iterable[PathArg],
    options: Options | None = None,
    *,
    report: Reporter | None = None,
    **kwargs: Any,
) -> Iterator[dict[str, JSONValue]]:
    """Yield the JSON object of every record of every post under ``paths``, in order.

    Options come as an :class:`Options` or as its fields by keyword
    (``iter_records(["posts/"], chunker="tokens", chunker_options={"max_tokens": 256})``).
    Bad posts are reported and skipped (see :func:`iter_results`).
    """
    options = _options(options, kwargs)
    fmt = options.format
    for result in iter_results(paths, options, report=report):
        for record in result.records:
            yield completion_object(record, fmt)


@dataclass
class Summary:
    """Counts for one run, as the end-of-run summary reports them."""

    read: int = 0
    converted: int = 0
    failed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    records: int = 0
    characters: int = 0
    tokens: int = 0
    token_encoding: str = "o200k_base"

    def add(self, result: PostResult) -> None:
        """Count one result."""
        self.read += result.read
        if result.status == "converted":
            self.converted += 1
        elif result.status == "failed":
            self.failed += 1
        else:
            self.skipped[result.reason or "unknown"] += 1
        self.records += len(result.records)
        for chunk in result.chunks:
            self.characters += len(chunk.text)
            self.tokens += chunk.tokens if chunk.tokens is not None else self._count(chunk.text)

    def _count(self, text: str) -> int:
        from .tokenizer import count_tokens

        return count_tokens(text, self.token_encoding)

    @property
    def ok(self) -> bool:
        """True when no post failed."""
        return self.failed == 0

    def lines(self) -> list[str]:
        """The summary as lines of text."""
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.skipped.items()))
        return [
            f"posts read: {self.read}, converted: {self.converted}, "
            f"skipped: {skipped}{f' ({reasons})' if reasons else ''}, failed: {self.failed}",
            f"records: {self.records}, characters: {self.characters:,}, "
            f"tokens: {self.tokens:,} ({self.token_encoding})",
        ]


def convert(
    paths: Iterable[PathArg],
    out: PathArg | None = None,
    options: Options | None = None,
    *,
    report: Reporter | None = None,
    progress: Callable[[Summary], None] | None = None,
    **kwargs: Any,
) -> Summary:
    """Convert the posts under ``paths`` into JSONL at ``out`` (``None`` or ``-``: stdout).

    A file is written to a temporary name and renamed when the run ends, so an
    interrupted or ``strict``-stopped run leaves no partial output; ``.gz`` compresses.
    Returns the run's :class:`Summary`. Raises :class:`OptionsError` for bad options and,
    with ``strict``, the first :class:`PostError`.
    """
    options = _options(options, kwargs)
    fmt = options.format
    summary = Summary(token_encoding=_token_encoding(options))
    options.make_chunker()  # bad options fail here, before the output is touched
    with open_output(out) as stream:
        for result in iter_results(paths, options, report=report):
            for record in result.records:
                stream.write(dumps_record(completion_object(record, fmt)))
                stream.write("\n")
            summary.add(result)
            if progress is not None:
                progress(summary)
    return summary


def _token_encoding(options: Options) -> str:
    from .chunkers.tokens import resolve_encoding

    chosen = options.chunker_options
    try:
        return resolve_encoding(chosen.get("encoding"), chosen.get("model"))
    except (OptionsError, ValueError):
        return "o200k_base"
