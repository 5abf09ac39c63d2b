"""The whole pipeline: discover -> load -> clean -> title -> chunk -> format -> write.

Everything streams: one post is in memory at a time, and each record is written as soon
as its post is converted. A post that cannot be read or parsed is reported and skipped;
it never costs another post its output.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal

from .chunkers import Chunker, get_registry
from .clean import clean
from .dedupe import Deduplicator, digest
from .discover import DEFAULT_EXTENSIONS, Skipped, iter_sources
from .errors import Diagnostic, OptionsError, PostError
from .format import (
    DEFAULT_PROMPT_TEMPLATE,
    DEFAULT_TEXT_TEMPLATE,
    FormatOptions,
    format_record,
    make_records,
)
from .load import load_post
from .models import Chunk, JSONValue, Post, Record, Source
from .parallel import ordered_results
from .sites import Entry, SiteOptions, SiteReader, Verdict, open_site, parse_date
from .split import post_key, validation_threshold
from .title import resolve_title
from .write import (
    dataset_info_updates,
    encode_line,
    open_outputs,
    output_plan,
    write_dataset_info,
)

__all__ = [
    "Options",
    "PostResult",
    "Reporter",
    "Summary",
    "convert",
    "convert_post",
    "discover_inputs",
    "iter_records",
    "iter_results",
    "log_diagnostic",
    "open_input",
    "token_encoding_for",
]

Reporter = Callable[[Diagnostic], None]
Status = Literal["converted", "skipped", "failed"]
PathArg = str | os.PathLike[str]

_log = logging.getLogger("blog2jsonl")


def log_diagnostic(diagnostic: Diagnostic) -> None:
    """The default reporter: ``diagnostic`` to the ``blog2jsonl`` logger, by severity."""
    level = logging.ERROR if diagnostic.severity == "error" else logging.WARNING
    if diagnostic.severity == "note":
        level = logging.INFO
    _log.log(level, "%s", diagnostic)


@dataclass(frozen=True, slots=True)
class Options:
    """Everything that decides a run's output.

    ``chunker_options`` are passed to the chunker named ``chunker`` (see
    ``blog2jsonl chunkers`` for each one's options). ``format``, ``prompt_template``,
    ``separator``, ``stop``, ``system``, ``text_template`` and ``metadata`` shape the
    records (see :class:`~blog2jsonl.format.FormatOptions`). ``dedupe`` drops records
    whose text was already written. ``val_ratio`` sends that share of the posts (chosen
    by ``seed``) to a validation set. Raises :class:`OptionsError` on unusable values.
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
    format: str = "completion"
    system: str | None = None
    text_template: str = DEFAULT_TEXT_TEMPLATE
    dedupe: bool = True
    val_ratio: float = 0.0
    seed: int = 0
    site: str = "auto"
    drafts: bool = False
    future: bool = False
    expired: bool = False
    pages: bool = False
    now: str | None = None
    base_url: str | None = None
    jobs: int = 1

    @property
    def format_options(self) -> FormatOptions:
        """The format stage's share of the options."""
        return FormatOptions(
            format=self.format,
            prompt_template=self.prompt_template,
            separator=self.separator,
            stop=self.stop,
            system=self.system,
            text_template=self.text_template,
            metadata=self.metadata,
        )

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise OptionsError(f"jobs must be at least 1, not {self.jobs}")
        if not 0 <= self.val_ratio < 1:
            raise OptionsError(
                f"the validation ratio must be at least 0 and below 1, not {self.val_ratio}"
            )
        self.format_options  # noqa: B018 - a bad format or template fails here, before any work
        self.site_options  # noqa: B018 - and so does a bad --now

    @property
    def site_options(self) -> SiteOptions:
        """The site stage's share of the options."""
        settings: dict[str, Any] = {}
        if self.now is not None:
            moment = parse_date(self.now)
            if moment is None:
                raise OptionsError(
                    f"cannot read the time {self.now!r}: give an ISO 8601 date or time, "
                    "such as 2026-01-31 or 2026-01-31T12:00:00Z"
                )
            settings["now"] = moment
        return SiteOptions(
            drafts=self.drafts,
            future=self.future,
            expired=self.expired,
            pages=self.pages,
            base_url=self.base_url,
            extensions=self.extensions,
            **settings,
        )

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
    validation: bool = False
    duplicates: int = 0


def convert_post(
    source: Source,
    options: Options,
    chunker: Chunker,
    judge: Callable[[Post], Verdict] | None = None,
) -> PostResult:
    """Convert one post. Never raises for bad input: a bad post is a ``failed`` result.

    ``judge`` is the site's say on the loaded post: a post it does not publish is
    ``skipped`` with its reason; what it knows about the post goes into ``meta``.
    """
    site: Mapping[str, JSONValue] = {}
    try:
        post = load_post(source)
        if judge is not None:
            verdict = judge(post)
            if verdict.skip is not None:
                return PostResult(
                    source, source.display, "skipped", reason=verdict.skip, warnings=post.warnings
                )
            site = verdict.metadata
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
    fmt = options.format_options
    records = tuple(make_records(post, title, chunks, options.chunker, fmt, site=site))
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

    Diagnostics (skipped paths, warnings, failed posts, duplicates) go to ``report`` as
    they happen (default: the ``blog2jsonl`` logger). With ``options.dedupe`` a record
    whose text was already yielded is left out (counted in ``duplicates``), and a post
    that repeats one earlier post entirely is ``skipped`` as a ``duplicate``. With
    ``options.val_ratio`` each result says whether its post belongs to the validation
    set. With ``options.strict`` the first failed post raises its :class:`PostError`
    instead. Raises :class:`OptionsError` for bad options before reading anything.
    """
    options = options or Options()
    paths = tuple(paths)  # read twice when splitting
    return _iter_results(paths, options, report or log_diagnostic, open_input(paths, options))


def open_input(paths: Sequence[PathArg], options: Options) -> SiteReader | None:
    """The site that ``paths`` name, or ``None`` when they are read as plain posts.

    A site is one folder given alone; ``options.site`` says which generator (``auto``
    detects it). Raises :class:`OptionsError` for a generator named for inputs that
    are not one folder, or for an unusable site configuration.
    """
    if options.site == "plain":
        return None
    if len(paths) != 1 or not os.path.isdir(paths[0]):
        if options.site != "auto":
            raise OptionsError(f"--site {options.site} reads one folder, the site's root")
        return None
    return open_site(paths[0], options.site, options.site_options)


def _iter_results(
    paths: Sequence[PathArg], options: Options, report: Reporter, site: SiteReader | None
) -> Iterator[PostResult]:
    for result, _ in _converted(paths, options, report, site, None):
        yield result


@dataclass(frozen=True, slots=True)
class _Lines:
    """A converted post's records as they are written, with what the run needs to know
    of each (its dedupe digest, its chunk's token count), in the order of the records.

    They are made where the post is converted (in a worker, with ``jobs``), so the
    process that writes only picks, routes and copies bytes.
    """

    records: tuple[bytes, ...]
    meta: tuple[bytes, ...]  # the sidecar's lines, when there is one
    digests: tuple[int, ...]  # when deduplicating
    characters: tuple[int, ...]
    tokens: tuple[int, ...]

    def take(self, indices: Sequence[int]) -> _Lines:
        """These lines, only those at ``indices``."""

        def pick(values: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(values[i] for i in indices) if values else ()

        return _Lines(*(pick(values) for values in self._values()))

    def _values(self) -> tuple[tuple[Any, ...], ...]:
        return self.records, self.meta, self.digests, self.characters, self.tokens


@dataclass(frozen=True, slots=True)
class _Render:
    """How a run that writes makes each post's :class:`_Lines`.

    Unless the run hands its results to someone (``keep``), the lines replace the
    result's records and chunks: a worker then sends the post's text once, not thrice.
    """

    format: FormatOptions
    sidecar: bool
    dedupe: bool
    encoding: str  # the summary counts tokens in this one
    keep: bool

    def __call__(self, result: PostResult) -> _Converted:
        records, chunks = result.records, result.chunks
        lines = _Lines(
            tuple(encode_line(format_record(record, self.format)) for record in records),
            tuple(encode_line(record.meta or {}) for record in records) if self.sidecar else (),
            tuple(digest(record.completion) for record in records) if self.dedupe else (),
            tuple(len(chunk.text) for chunk in chunks),
            tuple(_tokens(chunk, self.encoding) for chunk in chunks),
        )
        return result if self.keep else replace(result, records=(), chunks=()), lines


def _tokens(chunk: Chunk, encoding: str) -> int:
    if chunk.tokens is not None:
        return chunk.tokens
    from .tokenizer import count_tokens

    return count_tokens(chunk.text, encoding)


_Converted = tuple[PostResult, _Lines | None]


@dataclass(frozen=True, slots=True)
class _Converter:
    """Converts one discovered post, and makes its lines for a run that writes them: made
    once where posts are converted, in this process or in each worker."""

    options: Options
    chunker: Chunker
    site: SiteReader | None
    render: _Render | None

    def __call__(self, work: tuple[Source, Entry | None]) -> _Converted:
        source, entry = work
        site = self.site
        judge = None if site is None or entry is None else partial(site.judge, entry)
        result = convert_post(source, self.options, self.chunker, judge)
        return (result, None) if self.render is None else self.render(result)


def _make_converter(
    paths: Sequence[PathArg], options: Options, render: _Render | None
) -> _Converter | _Brief:
    """A :class:`_Converter` of its own, for a worker process (a :class:`_Brief` one when
    only the lines are wanted)."""
    converter = _Converter(options, options.make_chunker(), open_input(paths, options), render)
    return converter if render is None or render.keep else _Brief(converter)


#: What a :class:`_Brief` converter sends for a post: its result's status, reason, error,
#: warnings and ``read``, then the values of its :class:`_Lines`.
_Wire = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Brief:
    """A worker's converter for a run that writes the lines and keeps no results.

    What it sends back is a tuple of the values only the worker knows: the result's
    own ``source`` and ``display`` are the post's, which the writing process has, and
    a tuple of them pickles and unpickles several times faster than the objects
    would. :func:`_unbrief` makes the objects again there.
    """

    converter: _Converter

    def __call__(self, work: tuple[Source, Entry | None]) -> _Wire:
        result, lines = self.converter(work)
        assert lines is not None and not result.records and not result.chunks
        status = (result.status, result.reason, result.error, result.warnings, result.read)
        return status + lines._values()


def _unbrief(pair: tuple[Source | Skipped, Entry | None], wire: _Wire) -> _Converted:
    """The result and lines a :class:`_Brief` converter sent as ``wire`` for ``pair``."""
    source = pair[0]
    assert isinstance(source, Source)
    status, reason, error, warnings, read, *values = wire
    result = PostResult(source, source.display, status, (), (), reason, error, warnings, read)
    return result, _Lines(*values)


def _converted(
    paths: Sequence[PathArg],
    options: Options,
    report: Reporter,
    site: SiteReader | None,
    render: _Render | None,
) -> Iterator[_Converted]:
    """Every input's result, decided as :func:`iter_results` says, with its post's lines
    when ``render`` is given (``None`` for inputs not converted)."""
    converter = _Converter(options, options.make_chunker(), site, render)
    threshold = None
    if options.val_ratio:
        names = (
            item.name
            for item, entry in discover_inputs(paths, options, site)
            if isinstance(item, Source) and (entry is None or entry.skip is None)
        )
        threshold = validation_threshold(names, options.val_ratio, options.seed)
    dedupe = Deduplicator() if options.dedupe else None
    if render is not None and options.jobs > 1:
        from .tokenizer import get_encoding

        # Loaded once here, before the workers fork, it is shared with all of them.
        get_encoding(render.encoding)

    inputs = discover_inputs(paths, options, site)
    setup = partial(_make_converter, tuple(paths), options, render)
    finish = None if render is None or render.keep else _unbrief
    # Not held in a variable: a raise below must end the iteration, and so the workers,
    # at once, not when the traceback holding this frame is let go.
    for (item, entry), converted in ordered_results(
        inputs, _task, converter, options.jobs, setup, finish
    ):
        if isinstance(item, Skipped):
            report(Diagnostic(item.display, None, item.message, "note"))
            yield PostResult(None, item.display, "skipped", reason=item.reason, read=False), None
            continue
        if converted is None:  # the site passed it over
            reason = None if entry is None else entry.skip
            yield PostResult(item, item.display, "skipped", reason=reason, read=False), None
            continue
        result, lines = converted
        for warning in result.warnings:
            report(warning)
        if result.error is not None:
            if options.strict:
                raise result.error
            report(Diagnostic(result.error.path, result.error.line, result.error.message, "error"))
        if result.records or (lines is not None and lines.records):
            if threshold is not None:
                result = replace(result, validation=post_key(item.name, options.seed) <= threshold)
            if dedupe is not None:
                result, lines = _dedupe(result, lines, dedupe, report)
        yield result, lines


def _task(
    pair: tuple[Source | Skipped, Entry | None],
) -> tuple[Source, Entry | None] | None:
    """What a discovered item needs converted: nothing for paths passed over."""
    item, entry = pair
    if isinstance(item, Skipped) or (entry is not None and entry.skip is not None):
        return None
    return item, entry


def discover_inputs(
    paths: Sequence[PathArg], options: Options, site: SiteReader | None
) -> Iterator[tuple[Source | Skipped, Entry | None]]:
    """Discovery, for every engine: the site's entries (each with its
    :class:`~blog2jsonl.sites.Entry`), or every post under ``paths`` (with ``None``)."""
    if site is None:
        for item in iter_sources(paths, options.extensions):
            yield item, None
        return
    root = os.fspath(paths[0])
    for entry in site.entries():
        # Run in the site root (the bare command), names read as the site has them.
        display = entry.name if root in (os.curdir, "") else os.path.join(root, entry.name)
        yield Source(entry.path, display, entry.name), entry


def _dedupe(
    result: PostResult, lines: _Lines | None, dedupe: Deduplicator, report: Reporter
) -> _Converted:
    if lines is not None:  # made with the digests, as dedupe is on
        kept = dedupe.keep_digests(result.display, lines.digests)
    else:
        kept = dedupe.keep(result.display, [record.completion for record in result.records])
    if not kept.dropped:
        return result, lines
    if lines is not None:
        lines = lines.take(kept.indices)
    if not kept.indices:
        why = f"same text as {kept.copy_of}" if kept.copy_of else "every part repeats earlier posts"
        report(Diagnostic(result.display, None, f"skipped: {why}", "note"))
        skipped = replace(
            result,
            status="skipped",
            reason="duplicate",
            records=(),
            chunks=(),
            duplicates=kept.dropped,
        )
        return skipped, lines
    kept_result = replace(
        result,
        records=tuple(result.records[i] for i in kept.indices) if result.records else (),
        chunks=tuple(result.chunks[i] for i in kept.indices) if result.chunks else (),
        duplicates=kept.dropped,
    )
    return kept_result, lines


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
    Bad posts are reported and skipped (see :func:`iter_results`). With a validation
    ratio, use :func:`iter_results`, whose results say which side each post is on.
    """
    options = _options(options, kwargs)
    fmt = options.format_options
    for result in iter_results(paths, options, report=report):
        for record in result.records:
            yield format_record(record, fmt)


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
    duplicates: int = 0
    validation_posts: int = 0
    validation_records: int = 0
    split: bool = False
    outputs: list[str] = field(default_factory=list)
    site: str | None = None

    def add(self, result: PostResult) -> None:
        """Count one result."""
        chunks = result.chunks
        characters = sum(len(chunk.text) for chunk in chunks)
        tokens = sum(_tokens(chunk, self.token_encoding) for chunk in chunks)
        self._add(result, len(result.records), characters, tokens)

    def _add(self, result: PostResult, records: int, characters: int, tokens: int) -> None:
        self.read += result.read
        if result.status == "converted":
            self.converted += 1
            if result.validation:
                self.validation_posts += 1
                self.validation_records += records
        elif result.status == "failed":
            self.failed += 1
        else:
            self.skipped[result.reason or "unknown"] += 1
        self.records += records
        self.duplicates += result.duplicates
        self.characters += characters
        self.tokens += tokens

    @property
    def ok(self) -> bool:
        """True when no post failed."""
        return self.failed == 0

    def lines(self) -> list[str]:
        """The summary as lines of text."""
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.skipped.items()))
        lines = [f"read as a {self.site}"] if self.site else []
        lines += [
            f"posts read: {self.read}, converted: {self.converted}, "
            f"skipped: {skipped}{f' ({reasons})' if reasons else ''}, failed: {self.failed}",
            f"records: {self.records}, characters: {self.characters:,}, "
            f"tokens: {self.tokens:,} ({self.token_encoding})",
        ]
        if self.duplicates:
            lines.append(f"duplicate records dropped: {self.duplicates}")
        if self.split:
            train_posts = self.converted - self.validation_posts
            train_records = self.records - self.validation_records
            lines.append(
                f"training: {_count(train_posts, 'post')}, {_count(train_records, 'record')} "
                f"-> {self.outputs[0]}; validation: {_count(self.validation_posts, 'post')}, "
                f"{_count(self.validation_records, 'record')} -> {self.outputs[1]}"
            )
        return lines


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def convert(
    paths: Iterable[PathArg],
    out: PathArg | None = None,
    options: Options | None = None,
    *,
    validation_out: PathArg | None = None,
    metadata_out: PathArg | None = None,
    llama_factory: bool = False,
    report: Reporter | None = None,
    progress: Callable[[Summary], None] | None = None,
    explain: Callable[[PostResult], None] | None = None,
    **kwargs: Any,
) -> Summary:
    """Convert the posts under ``paths`` into JSONL at ``out`` (``None`` or ``-``: stdout).

    With ``options.val_ratio`` the training records go to ``<out>.train.jsonl`` and the
    validation records to ``<out>.val.jsonl``, or to ``out`` and ``validation_out`` when
    that is given. ``metadata_out`` receives each record's provenance as a sidecar JSONL,
    line for line (``.train``/``.val`` sidecars when splitting). ``llama_factory`` adds
    the outputs to ``dataset_info.json`` beside them, for LLaMA-Factory. ``explain`` is
    called with every input's result, taken or not, as it is decided.

    Files are written to temporary names and renamed when the run ends, so an
    interrupted or ``strict``-stopped run leaves no partial output; ``.gz`` compresses.
    Returns the run's :class:`Summary` (``outputs`` lists the record files written).
    Raises :class:`OptionsError` for bad options and, with ``strict``, the first
    :class:`PostError`.
    """
    options = _options(options, kwargs)
    fmt = options.format_options
    plan = output_plan(
        out, validation_out=validation_out, metadata_out=metadata_out, split=options.val_ratio > 0
    )
    dataset_info = []
    if llama_factory:
        if len(plan.files) < len(plan.records):
            raise OptionsError("LLaMA-Factory's dataset_info.json needs output files, not stdout")
        dataset_info = dataset_info_updates(plan.files, fmt)
    paths = tuple(paths)
    site = open_input(paths, options)
    summary = Summary(token_encoding=token_encoding_for(options), split=plan.split)
    if site is not None:
        summary.site = f"{site.name} site (from {site.reason})"
    summary.outputs = [target or "<stdout>" for target in plan.records]
    options.make_chunker()  # bad options fail here, before the output is touched
    report = report or log_diagnostic
    if options.metadata and fmt.spec.strict:
        report(
            Diagnostic(
                plan.records[0] or "<stdout>",
                None,
                f"records carry a 'meta' key, which strict {fmt.format}-format trainers "
                "(OpenAI, Together) reject; --metadata-file writes it to a sidecar instead",
            )
        )
    render = _Render(
        fmt, bool(plan.metadata), options.dedupe, summary.token_encoding, keep=explain is not None
    )
    with open_outputs(plan) as outputs:
        for result, lines in _converted(paths, options, report, site, render):
            if lines is None:
                summary.add(result)
            else:
                outputs.write(lines.records, lines.meta, validation=result.validation)
                summary._add(result, len(lines.records), sum(lines.characters), sum(lines.tokens))
            if explain is not None:
                explain(result)
            if progress is not None:
                progress(summary)
    write_dataset_info(dataset_info)
    return summary


def token_encoding_for(options: Options) -> str:
    """The encoding the summary counts tokens in: the chunker's, else ``o200k_base``."""
    from .chunkers.tokens import resolve_encoding

    chosen = options.chunker_options
    try:
        return resolve_encoding(chosen.get("encoding"), chosen.get("model"))
    except (OptionsError, ValueError):
        return "o200k_base"
