"""The command line: a thin click layer over the library.

``blog2jsonl PATHS...`` runs the ``convert`` command; ``blog2jsonl chunkers`` lists the
chunkers. Library errors become messages and exit codes here: 1 when a post failed,
2 for usage errors. Heavy modules are imported inside the commands, so that
``blog2jsonl --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from .chunkers import ChunkerRegistry
    from .errors import Diagnostic
    from .pipeline import Options, PostResult, Summary

__all__ = ["main", "run"]

DEFAULT_COMMAND = "convert"
# The built-in flags that are chunker options, by option name.
CHUNKER_FLAGS = ("max_chars", "max_tokens", "overlap", "encoding", "model", "heading_level")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("blog2jsonl")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # Looked up only when asked for: reading the installed metadata costs every run ~4 ms.
    if value and not ctx.resilient_parsing:
        click.echo(f"blog2jsonl, version {_version()}")
        ctx.exit()


class DefaultGroup(click.Group):
    """A group that runs ``convert`` when the first argument names no command.

    ``blog2jsonl --help`` shows ``convert``'s help (every option, with its default)
    followed by the list of commands.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "--version")):
            args = [DEFAULT_COMMAND, *args]
        if args[0] == DEFAULT_COMMAND:
            _load_config(ctx, self.commands[DEFAULT_COMMAND], args[1:])
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        command = self.commands[DEFAULT_COMMAND]
        with click.Context(command, info_name=ctx.info_name, parent=None) as sub:
            formatter.write_usage(ctx.command_path, "[OPTIONS] PATHS...")
            formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="       ")
            command.format_help_text(sub, formatter)
            command.format_options(sub, formatter)
        self.format_commands(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text(
            f"'{ctx.command_path} --version' prints the version; "
            f"'{ctx.command_path} COMMAND --help' shows a command's options."
        )


def _load_config(ctx: click.Context, command: click.Command, args: list[str]) -> None:
    """Make the site's ``blog2jsonl.toml`` the defaults of ``convert``'s options.

    The site root is the one folder given, or the current folder when no input is. The
    file's keys are the long options without dashes; flags given on the command line win
    (click reads ``default_map`` values as it reads defaults, converted the same way).
    """
    import os

    from .config import find_config, read_config
    from .errors import OptionsError

    with command.make_context("convert", list(args), resilient_parsing=True) as probe:
        paths = probe.params.get("paths") or ()
    if len(paths) > 1 or (paths and not os.path.isdir(paths[0])):
        return
    root = paths[0] if paths else os.curdir
    config = find_config(root)
    if config is None:
        return
    known = {
        opt[2:]: param.name
        for param in command.params
        if isinstance(param, click.Option) and param.name
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    }
    try:
        settings = read_config(config, known)
    except OptionsError as error:
        raise click.UsageError(str(error), ctx) from None
    ctx.default_map = {DEFAULT_COMMAND: settings}
    ctx.meta["blog2jsonl.config"] = (str(config), root)


def _unescape(ctx: click.Context, param: click.Parameter, value: str) -> str:
    r"""Read ``\n``, ``\t`` and ``\\`` in a value, which a shell cannot easily type."""
    escapes = {"n": "\n", "t": "\t", "\\": "\\"}
    return re.sub(r"\\([nt\\])", lambda m: escapes[m.group(1)], value)


def _unescape_optional(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else _unescape(ctx, param, value)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Turn a Markdown blog into a fine-tuning training set in JSONL."""


def run() -> None:
    """The ``blog2jsonl`` command: :func:`main`, then an exit without the interpreter's
    teardown.

    By the time :func:`main` returns, the output is written and renamed into place; what
    is left is freeing every object one at a time (50-90 ms after a large run). The exit
    handlers still run and standard output and error are flushed; with a thread still
    running, or a stream that cannot be flushed, the exit is the usual one.
    """
    try:
        main(prog_name="blog2jsonl")
    except SystemExit as exit:
        code = exit.code
    else:  # pragma: no cover - click's standalone mode always ends in SystemExit
        code = 0
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # as the interpreter does for sys.exit("message")
        code = 1
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    with suppress(OSError, ValueError):  # what an exit handler printed
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code or 0)


@main.command(DEFAULT_COMMAND)
@click.argument("paths", nargs=-1, metavar="PATHS...")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Where to write the JSONL: a file (.gz compresses) or - for stdout.",
)
@click.option(
    "--ext",
    "extensions",
    multiple=True,
    metavar="EXT",
    help="File extension of posts in folders; repeat for several. [default: .md .markdown .mkdn]",
)
@click.option(
    "--chunker",
    default="chars",
    show_default=True,
    metavar="NAME",
    help="How posts are cut into parts; 'blog2jsonl chunkers' lists them.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    metavar="N",
    help="chars/headings: characters per part at most. [default: 2000 for chars]",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    metavar="N",
    help="tokens/headings: tokens per part at most. [default: 512]",
)
@click.option(
    "--overlap",
    type=click.IntRange(min=0),
    metavar="N",
    help="Units (characters or tokens) a part shares with the one before. [default: 0]",
)
@click.option(
    "--encoding", metavar="NAME", help="tokens/headings: tiktoken encoding. [default: o200k_base]"
)
@click.option(
    "--model",
    metavar="NAME",
    help="tokens/headings: use this model's encoding (e.g. gpt-4o-mini, gpt-3.5-turbo).",
)
@click.option(
    "--heading-level",
    type=click.IntRange(1, 6),
    metavar="N",
    help="headings: split at headings of this level or above. [default: 2]",
)
@click.option(
    "-O",
    "--chunker-option",
    "chunker_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An option for the chunker (e.g. a plugin's); repeat for several.",
)
@click.option(
    "--keep-code",
    is_flag=True,
    help="Keep fenced, indented and template code blocks. [default: removed]",
)
@click.option(
    "--keep-html", is_flag=True, help="Keep HTML comments, <script> and <style>. [default: removed]"
)
@click.option(
    "--prompt-template",
    default="{title} Part {part}",
    show_default=True,
    metavar="TEXT",
    help="The prompt; fields: {title} {part} {parts} {heading} {source} {chunker} {date}.",
)
@click.option(
    "--separator",
    default="",
    metavar="TEXT",
    callback=_unescape,
    help="Appended to every prompt (OpenAI legacy, e.g. '\\n\\n###\\n\\n'; \\n and \\t read "
    "as newline and tab). [default: none]",
)
@click.option(
    "--stop",
    default="",
    metavar="TEXT",
    callback=_unescape,
    help="Appended to every completion (OpenAI legacy, e.g. ' END'). [default: none]",
)
@click.option(
    "--metadata",
    is_flag=True,
    help="Add a 'meta' object (source, title, part, parts, heading, span, tokens, "
    "chunker, date, tags).",
)
@click.option(
    "--format",
    "format_name",
    default="completion",
    show_default=True,
    metavar="NAME",
    help="Record shape: completion, chat, text, alpaca, sharegpt ('blog2jsonl formats' "
    "lists them, plugins included).",
)
@click.option(
    "--system",
    metavar="TEXT",
    callback=_unescape_optional,
    help="chat/alpaca/sharegpt: a system message for every record. [default: none]",
)
@click.option(
    "--text-template",
    default="{prompt}\\n\\n{text}",
    show_default=True,
    metavar="TEXT",
    callback=_unescape,
    help="text: the record's text, from {prompt} and {text}.",
)
@click.option(
    "--preset",
    type=click.Choice(["openai-legacy"]),
    help="openai-legacy: completion format, separator '\\n\\n###\\n\\n', stop ' END' "
    "(options given explicitly win). [default: none]",
)
@click.option(
    "--metadata-file",
    metavar="FILE",
    help="Write each record's provenance to this sidecar JSONL, line for line. [default: none]",
)
@click.option(
    "--llama-factory",
    is_flag=True,
    help="Also register the output in dataset_info.json beside it, for LLaMA-Factory.",
)
@click.option(
    "--val-ratio",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.0,
    metavar="R",
    help="Send this share of the posts (all parts of each) to <out>.val.jsonl, the rest "
    "to <out>.train.jsonl. [default: no split]",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    metavar="N",
    help="Which posts the split picks; the same seed picks the same posts.",
)
@click.option(
    "--val-output",
    metavar="FILE",
    help="With --val-ratio: write validation records here and training records to -o. "
    "[default: <out>.val.jsonl]",
)
@click.option(
    "--keep-duplicates",
    is_flag=True,
    help="Keep records whose text was already written. [default: dropped and counted]",
)
@click.option(
    "--check",
    "run_check",
    is_flag=True,
    help="Check what was written (as 'blog2jsonl check' does, for --model or "
    "gpt-4.1-mini) and exit 1 if it has errors.",
)
@click.option(
    "--site",
    type=click.Choice(["auto", "hexo", "hugo", "jekyll", "plain"]),
    default="auto",
    show_default=True,
    help="Read a folder as this generator's site, taking what it publishes (auto: "
    "detect; plain: every Markdown file).",
)
@click.option("--drafts", is_flag=True, help="Site: take drafts too. [default: off]")
@click.option(
    "--future", is_flag=True, help="Site: take posts dated in the future too. [default: off]"
)
@click.option(
    "--expired", is_flag=True, help="Hugo: take posts past their expiryDate too. [default: off]"
)
@click.option(
    "--pages",
    is_flag=True,
    help="Site: take pages that are not posts (Hexo pages, Hugo _index.md, Jekyll pages). "
    "[default: off]",
)
@click.option(
    "--now",
    metavar="TIME",
    help="Site: the build time, for reproducible builds (ISO 8601, e.g. 2026-01-31T12:00:00Z). "
    "[default: the clock]",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Site: make the posts' URL paths absolute (in --metadata). [default: none]",
)
@click.option(
    "--explain",
    is_flag=True,
    help="List every file with why it was taken or skipped.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes converting posts; the output is the same for any N "
    "(1: in this process). [default: the number of cores]",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: convert on a Ray cluster with Ray Data into sharded files in the -o folder "
    "(pip install 'blog2jsonl[ray]').",
)
@click.option(
    "--ray-address",
    metavar="ADDRESS",
    help="ray: the cluster to join (e.g. auto, ray://head:10001). [default: a local Ray]",
)
@click.option(
    "--output-format",
    type=click.Choice(["jsonl", "parquet"]),
    default="jsonl",
    show_default=True,
    help="ray: the shards' file format.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Stop at the first bad post with exit status 1, leaving no output file.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def convert_command(
    paths: tuple[str, ...],
    output: str,
    extensions: tuple[str, ...],
    chunker: str,
    chunker_pairs: tuple[str, ...],
    keep_code: bool,
    keep_html: bool,
    prompt_template: str,
    separator: str,
    stop: str,
    metadata: bool,
    format_name: str,
    system: str | None,
    text_template: str,
    preset: str | None,
    metadata_file: str | None,
    llama_factory: bool,
    val_ratio: float,
    seed: int,
    val_output: str | None,
    keep_duplicates: bool,
    run_check: bool,
    site: str,
    drafts: bool,
    future: bool,
    expired: bool,
    pages: bool,
    now: str | None,
    base_url: str | None,
    explain: bool,
    jobs: int | None,
    engine: str,
    ray_address: str | None,
    output_format: str,
    strict: bool,
    quiet: bool,
    **flags: Any,
) -> None:
    """Convert Markdown posts (files, folders, or - for standard input) to JSONL records
    {"prompt": "<title> Part N", "completion": " <text>"} (or another --format), in a
    stable order. Records whose text was already written are dropped.

    A post that cannot be read or parsed is reported as path:line: what is wrong and
    skipped. Exit status: 0 all good, 1 a post failed (the output still holds every good
    post) or --check found errors, 2 usage error.
    """
    from .errors import OptionsError, PostError, WorkerError
    from .pipeline import Options, convert

    ctx = click.get_current_context()
    config = ctx.meta.get("blog2jsonl.config")
    if config is not None:
        _, root = config
        if not paths:
            paths = (root,)
        output = _from_config(ctx, "output", output, root) or "-"
        metadata_file = _from_config(ctx, "metadata_file", metadata_file, root)
        val_output = _from_config(ctx, "val_output", val_output, root)
    if not paths:
        raise click.UsageError(
            "no input given: name posts or folders (or - for stdin), or run it in a site "
            "with a blog2jsonl.toml"
        )
    chunker_options = {name: value for name, value in flags.items() if value is not None}
    for pair in chunker_pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="-O")
        chunker_options[key.strip().replace("-", "_")] = value
    report = _reporter(quiet)
    if preset is not None:
        from .format import PRESETS

        given = {
            name
            for name in ("format_name", "separator", "stop")
            if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT
        }
        settings = PRESETS[preset]
        if "format_name" in given and format_name != settings["format"]:
            raise click.UsageError(f"the {preset} preset is for the {settings['format']} format")
        format_name = settings["format"]
        separator = separator if "separator" in given else settings["separator"]
        stop = stop if "stop" in given else settings["stop"]
    check_model = chunker_options.get("model") if run_check else None
    try:
        registry = _registry(quiet)
        spec = registry.get(chunker)
        takes = {option.name for option in spec.options}
        if check_model is not None and "model" not in takes:
            del chunker_options["model"]  # --model then only names the model to check for
        for name in chunker_options.keys() & set(CHUNKER_FLAGS) - takes:
            raise OptionsError(
                f"--{name.replace('_', '-')} does not apply to the {chunker} chunker"
            )
        if run_check and output == "-":
            raise OptionsError("--check reads what was written: give -o FILE")
        options = Options(
            extensions=_extensions(extensions),
            keep_code=keep_code,
            keep_html=keep_html,
            chunker=chunker,
            chunker_options=chunker_options,
            prompt_template=prompt_template,
            separator=separator,
            stop=stop,
            metadata=metadata,
            strict=strict,
            format=format_name,
            system=system,
            text_template=text_template,
            dedupe=not keep_duplicates,
            val_ratio=val_ratio,
            seed=seed,
            site=site,
            drafts=drafts,
            future=future,
            expired=expired,
            pages=pages,
            now=now,
            base_url=base_url,
            jobs=jobs or _default_jobs(),
        )
        if engine == "ray":
            local_only = {
                "--val-output": val_output is not None,
                "--metadata-file": metadata_file is not None,
                "--llama-factory": llama_factory,
                "--check": run_check,
                "--explain": explain,
            }
            for flag in (flag for flag, given in local_only.items() if given):
                raise OptionsError(f"{flag} works with the local engine, not --engine ray")
            summary = _convert_with_ray(paths, output, options, ray_address, output_format, report)
        elif ray_address is not None or output_format != "jsonl":
            raise OptionsError("--ray-address and --output-format go with --engine ray")
        else:
            summary = convert(
                paths,
                output,
                options,
                validation_out=val_output,
                metadata_out=metadata_file,
                llama_factory=llama_factory,
                report=report,
                progress=_progress(quiet),
                explain=_explainer(quiet) if explain else None,
            )
    except OptionsError as error:
        raise click.UsageError(str(error)) from None
    except PostError as error:  # --strict
        _clear_progress(quiet)
        click.echo(str(error), err=True)
        click.echo("stopped at the first bad post (--strict); no output written", err=True)
        sys.exit(1)
    except WorkerError as error:
        _clear_progress(quiet)
        click.echo(f"error: {error}; no output written", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _clear_progress(quiet)
        click.echo("interrupted; no output written", err=True)
        sys.exit(130)
    _clear_progress(quiet)
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)
    checked = True
    if run_check:
        checked = _check_written(summary, check_model, quiet)
    sys.exit(0 if summary.ok and checked else 1)


def _convert_with_ray(
    paths: tuple[str, ...],
    output: str,
    options: Options,
    address: str | None,
    output_format: str,
    report: Callable[[Diagnostic], None],
) -> Summary:
    from .engines import convert_with_ray
    from .errors import OptionsError

    if output == "-":
        raise OptionsError("--engine ray writes shards into a folder: give -o FOLDER")
    return convert_with_ray(
        paths, output, options, address=address, output_format=output_format, report=report
    )


def _default_jobs() -> int:
    from .parallel import default_jobs

    return default_jobs()


def _from_config(ctx: click.Context, name: str, value: str | None, root: str) -> str | None:
    """A file named in the config is relative to the site root, not to where we run."""
    import os

    from_config = ctx.get_parameter_source(name) is ParameterSource.DEFAULT_MAP
    if not from_config or value is None or value == "-" or os.path.isabs(value):
        return value
    return os.path.join(root, value)


def _explainer(quiet: bool) -> Callable[[PostResult], None]:
    def explain(result: PostResult) -> None:
        _clear_progress(quiet)
        if result.status == "converted":
            count = len(result.records)
            what = f"taken ({count} record{'' if count == 1 else 's'})"
        elif result.status == "failed":
            what = "failed"
        else:
            what = f"skipped: {result.reason}"
        click.echo(f"{result.display}: {what}", err=True)

    return explain


def _check_written(summary: Summary, model: str | None, quiet: bool) -> bool:
    """Check the files a run wrote; print the report (to stderr: stdout may be data)."""
    from .check import CheckOptions, check_files
    from .errors import OptionsError

    # The run knows which file is which: a name like my-dev-blog.jsonl stays training.
    settings: dict[str, Any] = {
        "validation": tuple(summary.outputs[1:]) if summary.split else (),
        "validation_by_name": False,
    }
    if model is not None:
        settings["model"] = model
    try:
        report = check_files(summary.outputs, CheckOptions(**settings))
    except OptionsError as error:
        raise click.UsageError(str(error)) from None
    if not quiet or not report.ok:
        click.echo(report.text().rstrip("\n"), err=True)
    return report.ok


@main.command("chunkers")
def chunkers_command() -> None:
    """List the chunkers (built-in and installed plugins) with their options."""
    registry = _registry(quiet=False)
    for spec in registry:
        click.echo(f"{spec.name}: {spec.summary}")
        for option in spec.options:
            default = "" if option.default is None else f" [default: {option.default}]"
            click.echo(f"    {option.name} ({option.type.__name__}): {option.help}{default}")


@main.command("formats")
def formats_command() -> None:
    """List the output formats (built-in and installed plugins)."""
    from .format import get_formats

    registry = get_formats()
    for problem in registry.problems:
        click.echo(f"warning: {problem}", err=True)
    for spec in registry:
        click.echo(f"{spec.name}: {spec.summary}")


@main.command("check")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["completion", "chat", "text", "alpaca", "sharegpt"]),
    help="Read every file in this format. [default: detected per file]",
)
@click.option(
    "--model",
    metavar="NAME",
    help="The model to train: its tokenizer and per-example token limit. [default: gpt-4.1-mini]",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    metavar="N",
    help="Tokens per example at most, instead of the model's limit.",
)
@click.option(
    "--price-per-mtok",
    type=click.FloatRange(min=0),
    metavar="PRICE",
    help="Training price per million tokens, to estimate the cost. [default: no cost]",
)
@click.option(
    "--val",
    "validation",
    multiple=True,
    metavar="FILE",
    help="A validation file (also detected by name: *.val.jsonl, *_valid.csv, ...); "
    "repeat for several.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON document.")
@click.option(
    "--fix",
    is_flag=True,
    help="Write a corrected copy to -o (drops unreadable, invalid, empty, too long and "
    "duplicate examples) and check that.",
)
@click.option(
    "-o",
    "--output",
    metavar="PATH",
    help="With --fix: the corrected file, or a folder for several files.",
)
@click.option(
    "--separator",
    metavar="TEXT",
    callback=_unescape_optional,
    help="With --fix: end every prompt with this separator (completion format; e.g. "
    "'\\n\\n###\\n\\n').",
)
@click.option(
    "--stop",
    metavar="TEXT",
    callback=_unescape_optional,
    help="With --fix: end every completion with this stop sequence (e.g. ' END').",
)
@click.option(
    "--leading-space",
    is_flag=True,
    help="With --fix: start every completion with a space.",
)
def check_command(
    files: tuple[str, ...],
    format_name: str | None,
    model: str | None,
    max_tokens: int | None,
    price_per_mtok: float | None,
    validation: tuple[str, ...],
    as_json: bool,
    fix: bool,
    output: str | None,
    separator: str | None,
    stop: str | None,
    leading_space: bool,
) -> None:
    """Check training files (JSONL, JSON, CSV, TSV, XLSX; any of the formats) before a
    fine-tuning job: schema errors by line, example count, tokens per example against the
    model's limit, special tokens, duplicates, legacy separator/stop conventions, and an
    estimate of epochs, billed tokens and cost.

    Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.
    """
    import json

    from .check import CheckOptions, check_files, fix_file
    from .errors import OptionsError

    if not files and not validation:
        raise click.UsageError("no file given: name the training files to check")
    if not fix and (output or separator is not None or stop is not None or leading_space):
        raise click.UsageError("-o, --separator, --stop and --leading-space go with --fix")
    if fix and not output:
        raise click.UsageError("--fix writes a corrected copy: give -o PATH")
    settings: dict[str, Any] = {
        "format": format_name,
        "max_tokens": max_tokens,
        "price_per_mtok": price_per_mtok,
        "validation": validation,
    }
    if model is not None:
        settings["model"] = model
    try:
        options = CheckOptions(**settings)
        report = check_files(files, options)
        fixed = []
        if fix:
            assert output is not None
            targets = _fix_targets([*files, *validation], output)
            for source, target in targets:
                fixed.append(
                    fix_file(
                        source,
                        target,
                        options=options,
                        separator=separator,
                        stop=stop,
                        leading_space=leading_space,
                    )
                )
            fixed_validation = tuple(t for s, t in targets if s in validation)
            final = check_files(
                [t for _, t in targets],
                CheckOptions(**(settings | {"validation": fixed_validation})),
            )
    except OptionsError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        document: dict[str, Any] = report.to_json()
        if fix:
            document["fixed"] = [
                {"source": str(r.source), "output": str(r.output), "changes": r.lines()}
                for r in fixed
            ]
            document["fixed_report"] = final.to_json()
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(report.text().rstrip("\n"))
        for result in fixed:
            click.echo(f"\nfixed {result.source} -> {result.output}:")
            for line in result.lines() or ["nothing to change"]:
                click.echo(f"  {line}")
        if fix:
            errors = f"{final.errors} error" + ("" if final.errors == 1 else "s")
            warnings = f"{final.warnings} warning" + ("" if final.warnings == 1 else "s")
            click.echo(f"\nthe fixed copy: {errors}, {warnings}")
    sys.exit(0 if (final if fix else report).ok else 1)


def _fix_targets(files: list[str], output: str) -> list[tuple[str, str]]:
    """Where ``--fix`` writes each file: ``output`` itself for one file, else a folder."""
    import os

    if len(files) == 1 and not os.path.isdir(output):
        return [(files[0], output)]
    if not os.path.isdir(output):
        raise click.UsageError(
            f"--fix with several files writes into a folder: {output} is not one"
        )
    targets = []
    for file in files:
        name = os.path.basename(file)
        for ending in (".gz", ".jsonl", ".json", ".csv", ".tsv", ".tab", ".xlsx"):
            if name.lower().endswith(ending):
                name = name[: -len(ending)]
        target = os.path.join(output, name + ".jsonl")
        if os.path.realpath(target) == os.path.realpath(file):
            raise click.UsageError(f"--fix would overwrite {file}; choose another folder")
        targets.append((file, target))
    return targets


def _registry(quiet: bool) -> ChunkerRegistry:
    from .chunkers import get_registry

    registry = get_registry()
    if not quiet:
        for problem in registry.problems:
            click.echo(f"warning: {problem}", err=True)
    return registry


def _extensions(given: tuple[str, ...]) -> tuple[str, ...]:
    from .discover import DEFAULT_EXTENSIONS

    if not given:
        return DEFAULT_EXTENSIONS
    found = [ext.strip() for item in given for ext in item.split(",") if ext.strip()]
    return tuple(ext if ext.startswith(".") else "." + ext for ext in found)


def _reporter(quiet: bool) -> Callable[[Diagnostic], None]:
    def report(diagnostic: Diagnostic) -> None:
        if quiet and diagnostic.severity != "error":
            return
        _clear_progress(quiet)
        click.echo(str(diagnostic), err=True)

    return report


def _progress_enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _progress(quiet: bool) -> Callable[[Summary], None] | None:
    if not _progress_enabled(quiet):
        return None

    def show(summary: Summary) -> None:
        click.echo(f"\r{summary.read} posts, {summary.records} records", err=True, nl=False)

    return show


def _clear_progress(quiet: bool) -> None:
    if _progress_enabled(quiet):
        click.echo("\r\033[K", err=True, nl=False)
