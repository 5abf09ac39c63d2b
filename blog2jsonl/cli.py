"""The command line: a thin click layer over the library.

``blog2jsonl PATHS...`` runs the ``convert`` command; ``blog2jsonl chunkers`` lists the
chunkers. Library errors become messages and exit codes here: 1 when a post failed,
2 for usage errors. Heavy modules are imported inside the commands, so that
``blog2jsonl --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .chunkers import ChunkerRegistry
    from .errors import Diagnostic
    from .pipeline import Summary

__all__ = ["main"]

DEFAULT_COMMAND = "convert"
# The built-in flags that are chunker options, by option name.
CHUNKER_FLAGS = ("max_chars", "max_tokens", "overlap", "encoding", "model", "heading_level")


def _version() -> str:
    try:
        return version("blog2jsonl")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


class DefaultGroup(click.Group):
    """A group that runs ``convert`` when the first argument names no command.

    ``blog2jsonl --help`` shows ``convert``'s help (every option, with its default)
    followed by the list of commands.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "--version")):
            args = [DEFAULT_COMMAND, *args]
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


def _unescape(ctx: click.Context, param: click.Parameter, value: str) -> str:
    r"""Read ``\n``, ``\t`` and ``\\`` in a value, which a shell cannot easily type."""
    escapes = {"n": "\n", "t": "\t", "\\": "\\"}
    return re.sub(r"\\([nt\\])", lambda m: escapes[m.group(1)], value)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="blog2jsonl")
def main() -> None:
    """Turn a Markdown blog into a fine-tuning training set in JSONL."""


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
    strict: bool,
    quiet: bool,
    **flags: Any,
) -> None:
    """Convert Markdown posts (files, folders, or - for standard input) to JSONL records
    {"prompt": "<title> Part N", "completion": " <text>"}, in a stable order.

    A post that cannot be read or parsed is reported as path:line: what is wrong and
    skipped. Exit status: 0 all good, 1 a post failed (the output still holds every good
    post), 2 usage error.
    """
    from .errors import OptionsError, PostError
    from .pipeline import Options, convert

    if not paths:
        raise click.UsageError("no input given: name posts or folders (or - for stdin)")
    chunker_options = {name: value for name, value in flags.items() if value is not None}
    for pair in chunker_pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="-O")
        chunker_options[key.strip().replace("-", "_")] = value
    report = _reporter(quiet)
    try:
        registry = _registry(quiet)
        spec = registry.get(chunker)
        takes = {option.name for option in spec.options}
        for name in chunker_options.keys() & set(CHUNKER_FLAGS) - takes:
            raise OptionsError(
                f"--{name.replace('_', '-')} does not apply to the {chunker} chunker"
            )
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
        )
        summary = convert(paths, output, options, report=report, progress=_progress(quiet))
    except OptionsError as error:
        raise click.UsageError(str(error)) from None
    except PostError as error:  # --strict
        _clear_progress(quiet)
        click.echo(str(error), err=True)
        click.echo("stopped at the first bad post (--strict); no output written", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _clear_progress(quiet)
        click.echo("interrupted; no output written", err=True)
        sys.exit(130)
    _clear_progress(quiet)
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)
    sys.exit(0 if summary.ok else 1)


@main.command("chunkers")
def chunkers_command() -> None:
    """List the chunkers (built-in and installed plugins) with their options."""
    registry = _registry(quiet=False)
    for spec in registry:
        click.echo(f"{spec.name}: {spec.summary}")
        for option in spec.options:
            default = "" if option.default is None else f" [default: {option.default}]"
            click.echo(f"    {option.name} ({option.type.__name__}): {option.help}{default}")


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
