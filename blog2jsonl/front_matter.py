"""Front matter: find it, split it from the body, parse it into JSON-safe metadata.

Built on python-frontmatter's handler API (``detect`` / ``split`` / ``load``), with
handlers of our own: python-frontmatter 1.3's defaults read TOML only through the
unmaintained ``toml`` package, know neither Hexo's ``;;;`` JSON nor Hexo's front matter
without an opening ``---``, and its ``parse()`` strips the text, which loses the body's
line numbers and turns a leading indented code block into a paragraph. Our handlers
never strip: the body they split off is always an exact suffix of the text, so its first
line number is known.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml
from frontmatter.default_handlers import BaseHandler

from .models import JSONValue

try:  # libyaml is much faster when PyYAML was built with it
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

__all__ = [
    "HANDLERS",
    "FrontMatter",
    "FrontMatterHandler",
    "FrontMatterSyntaxError",
    "json_safe",
    "split_front_matter",
]

#: How many values metadata may hold once YAML aliases are expanded: a guard against
#: "billion laughs" documents, which are small on disk and enormous in memory.
MAX_METADATA_VALUES = 100_000
#: How deeply YAML front matter may nest. libyaml's composer recurses in C, so a few
#: hundred kilobytes of ``[[[[...`` would crash the interpreter rather than raise.
MAX_YAML_NESTING = 100

_BLANK_LINES = r"(?:[ \t]*\n)*"

_TOO_DEEP = "front matter is nested too deeply (or contains itself)"


class FrontMatterSyntaxError(Exception):
    """Front matter that is clearly meant as such but does not parse.

    ``line`` is 1-based within the text given to :func:`split_front_matter`.
    """

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class NotFrontMatter(Exception):
    """A block that looked like front matter turns out to be body text."""


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The result of :func:`split_front_matter`.

    ``body`` is an exact suffix of the text; ``body_line`` the 1-based line it starts on.
    ``kind`` names the handler that matched (``None`` when there was no front matter).
    ``title`` is the ``title`` value as the author wrote it, or ``None``. ``warning`` is
    a (line, message) pair for a block that looked like front matter and was read as body.
    """

    metadata: Mapping[str, JSONValue]
    body: str
    body_line: int
    kind: str | None
    title: str | None
    warning: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True)
class _Block:
    raw: str  # the front matter text between the delimiters
    first_line: int  # 1-based line of ``raw``'s first line within the whole text
    closer: str = ""  # the closing delimiter line, stripped


class FrontMatterHandler(BaseHandler):
    """A python-frontmatter handler that also reports where its block starts.

    ``detect`` says whether the text opens with this kind of front matter; ``split``
    returns ``(front matter, body)`` with the body an exact suffix of the text and
    raises ``ValueError`` when the block is never closed; ``load`` parses the block.
    """

    kind: ClassVar[str]
    #: Whether an opening delimiter without a closing one is an error (True) or body.
    unclosed_is_error: ClassVar[bool] = False
    OPEN: ClassVar[re.Pattern[str]]
    CLOSE: ClassVar[re.Pattern[str]]

    def detect(self, text: str) -> bool:
        return self.OPEN.match(text) is not None

    def split(self, text: str) -> tuple[str, str]:
        block, body = self.locate(text)
        return block.raw, body

    def locate(self, text: str) -> tuple[_Block, str]:
        """Like ``split``, but also gives the line the block starts on."""
        opened = self.OPEN.match(text)
        if opened is None:
            raise ValueError("no opening delimiter")
        closed = self.CLOSE.search(text, opened.end())
        if closed is None:
            raise ValueError("no closing delimiter")
        raw = text[opened.end() : closed.start()]
        first_line = text.count("\n", 0, opened.end()) + 1
        block = _Block(raw, first_line, closed.group(0).strip())
        return block, text[_line_end(text, closed.end()) :]

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        """Parse a block: the data, and the title exactly as written (or ``None``)."""
        data = self.load(block.raw)
        return data, _title(data)

    def load(self, fm: str) -> Any:
        raise NotImplementedError


class YAMLHandler(FrontMatterHandler):
    """YAML between ``---`` lines, closed by ``---`` or ``...`` (Jekyll, Hexo, Hugo)."""

    kind = "yaml"
    FM_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
    OPEN = re.compile(_BLANK_LINES + r"-{3,}[ \t]*\n")
    CLOSE = re.compile(r"^(?:-{3,}|\.\.\.)[ \t]*$", re.MULTILINE)

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        return _load_yaml(block.raw)

    def load(self, fm: str) -> Any:
        return _load_yaml(fm)[0]


class TOMLHandler(FrontMatterHandler):
    """TOML between ``+++`` lines (Hugo), read with the standard library's ``tomllib``."""

    kind = "toml"
    unclosed_is_error = True
    FM_BOUNDARY = re.compile(r"^\+{3,}[ \t]*$", re.MULTILINE)
    OPEN = re.compile(_BLANK_LINES + r"\+{3,}[ \t]*\n")
    CLOSE = re.compile(r"^\+{3,}[ \t]*$", re.MULTILINE)

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        data = self.load(block.raw)
        return data, _toml_title(data, block.raw)

    def load(self, fm: str) -> Any:
        try:
            return tomllib.loads(fm)
        except tomllib.TOMLDecodeError as error:
            raise FrontMatterSyntaxError(
                _toml_error_line(error, fm), f"bad TOML: {error}"
            ) from None


class HexoJSONHandler(FrontMatterHandler):
    """Hexo's JSON front matter: the members of an object, without braces, between ``;;;``."""

    kind = "json"
    unclosed_is_error = True
    FM_BOUNDARY = re.compile(r"^;{3,}[ \t]*$", re.MULTILINE)
    OPEN = re.compile(_BLANK_LINES + r";{3,}[ \t]*\n")
    CLOSE = re.compile(r"^;{3,}[ \t]*$", re.MULTILINE)

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        data = self.load(block.raw)
        return data, _json_title(data, _braced(block.raw))

    def load(self, fm: str) -> Any:
        return _load_braceless_json(fm)


class JSONHandler(FrontMatterHandler):
    """A JSON object at the very top of the post (Hugo), on one line or several."""

    kind = "json"
    unclosed_is_error = True
    FM_BOUNDARY = re.compile(r"^(?:\{|\})$", re.MULTILINE)
    # A brace that opens a Liquid/Hugo template tag (`{%`, `{{`) is body, not JSON.
    OPEN = re.compile(_BLANK_LINES + r"(?=\{(?![{%]))")
    CLOSE = re.compile(r"(?!)")

    def locate(self, text: str) -> tuple[_Block, str]:
        opened = self.OPEN.match(text)
        if opened is None:
            raise ValueError("no opening brace")
        start = opened.end()
        first_line = text.count("\n", 0, start) + 1
        try:
            _, end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as error:
            if not re.match(r"\{\s*(?:\"|\}|$)", text[start : start + 200]):
                raise NotFrontMatter from None  # a brace that starts prose, not an object
            line = text.count("\n", 0, error.pos) + 1  # not block-relative: raised as is
            raise FrontMatterSyntaxError(line, f"bad JSON: {error.msg}") from None
        except RecursionError:
            raise FrontMatterSyntaxError(first_line, _TOO_DEEP) from None
        rest = _line_end(text, end)
        if text[end:rest].strip():
            raise NotFrontMatter  # the object shares its last line with body text
        return _Block(text[start:end], first_line), text[rest:]

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        data = self.load(block.raw)
        return data, _json_title(data, block.raw)

    def load(self, fm: str) -> Any:
        try:
            return json.loads(fm)
        except json.JSONDecodeError as error:
            raise FrontMatterSyntaxError(error.lineno, f"bad JSON: {error.msg}") from None


class HeaderlessHandler(FrontMatterHandler):
    """Hexo's front matter with no opening delimiter: leading ``key: value`` lines, then ``---``.

    Hexo accepts any leading text that parses as a mapping; so do we, but we also require
    the first line to look like a ``key:`` line, so that a post opening with a heading and
    a sentence containing a colon is not mistaken for metadata. Anything that does not
    parse to a mapping is body, never an error: the block was only a guess.
    """

    kind = "yaml"
    FM_BOUNDARY = re.compile(r"^(?:-{3,}|;{3,})[ \t]*$", re.MULTILINE)
    OPEN = re.compile(
        _BLANK_LINES + r"(?=(?:[A-Za-z_][\w-]*|\"[^\"\n]+\")[ \t]*:(?:[ \t]|$))", re.M
    )
    CLOSE = re.compile(r"^(-{3,}|;{3,})[ \t]*$", re.MULTILINE)

    def parse(self, block: _Block) -> tuple[Any, str | None]:
        try:
            if block.closer.startswith(";"):
                data = _load_braceless_json(block.raw)
                return data, _json_title(data, _braced(block.raw))
            return _load_yaml(block.raw)
        except FrontMatterSyntaxError:
            raise NotFrontMatter from None

    def load(self, fm: str) -> Any:
        return self.parse(_Block(fm, 1))[0]


#: The handlers, in the order they are tried.
HANDLERS: tuple[FrontMatterHandler, ...] = (
    YAMLHandler(),
    TOMLHandler(),
    HexoJSONHandler(),
    JSONHandler(),
    HeaderlessHandler(),
)


def split_front_matter(text: str) -> FrontMatter:
    """Split ``text`` (decoded, newlines normalised) into front matter and body.

    Returns the metadata (JSON-safe), the body and the line it starts on. A block that
    parses to something other than a mapping, an unclosed ``---`` and a headerless
    block that does not parse are body. Raises :class:`FrontMatterSyntaxError` for front
    matter that is clearly meant as such but malformed (bad YAML, TOML or JSON, an
    impossible date, an unclosed ``+++``).
    """
    warning: tuple[int, str] | None = None
    for handler in HANDLERS:
        opened = handler.OPEN.match(text)
        if opened is None:
            continue
        opener_line = text.count("\n", 0, opened.end())
        try:
            block, body = handler.locate(text)
        except NotFrontMatter:
            continue
        except ValueError:
            if handler.unclosed_is_error:
                message = f"{handler.kind.upper()} front matter opened here is never closed"
                raise FrontMatterSyntaxError(opener_line, message) from None
            if handler is HANDLERS[0] and HeaderlessHandler.OPEN.match(text, opened.end()):
                warning = (
                    opener_line,
                    "'---' opens what looks like front matter but is never closed; "
                    "the post is read as having none",
                )
            continue
        try:
            data, title = handler.parse(block)
        except NotFrontMatter:
            continue
        except FrontMatterSyntaxError as error:
            line = block.first_line + error.line - 1
            raise FrontMatterSyntaxError(line, error.message) from None
        except RecursionError:  # the YAML, TOML and JSON parsers all recurse per level
            raise FrontMatterSyntaxError(block.first_line, _TOO_DEEP) from None
        if not isinstance(data, dict) or (isinstance(handler, HeaderlessHandler) and not data):
            continue  # a block that is not a mapping is body
        try:
            metadata = json_safe_mapping(data)
        except _TooLarge:
            message = "front matter expands to too many values"
            raise FrontMatterSyntaxError(block.first_line, message) from None
        except RecursionError:  # also a YAML alias inside its own anchor: `a: &a [*a]`
            raise FrontMatterSyntaxError(block.first_line, _TOO_DEEP) from None
        body_line = text.count("\n", 0, len(text) - len(body)) + 1
        kind = "json" if block.closer.startswith(";") else handler.kind
        return FrontMatter(metadata, body, body_line, kind, title)
    return FrontMatter({}, text, 1, None, None, warning)


def _line_end(text: str, index: int) -> int:
    """The index just past the newline that ends the line containing ``index``."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


# --- YAML ----------------------------------------------------------------------------


# PyYAML follows YAML 1.1, which also breaks lines at U+0085, U+2028 and U+2029; in a
# post they are text (as in YAML 1.2, which Hexo's js-yaml follows). The parser is given
# stand-ins, which are put back into the scalars before they are constructed.
_BREAKS = "\x85\u2028\u2029"
_STAND_INS = "\ufdd0\ufdd1\ufdd2"  # Unicode noncharacters: not found in posts
_HIDE_BREAKS = str.maketrans(_BREAKS, _STAND_INS)
_SHOW_BREAKS = str.maketrans(_STAND_INS, _BREAKS)


def _load_yaml(raw: str) -> tuple[Any, str | None]:
    """Parse YAML safely; return the data and the title scalar exactly as written."""
    hide = any(c in raw for c in _BREAKS) and not any(c in raw for c in _STAND_INS)
    text = raw.translate(_HIDE_BREAKS) if hide else raw
    loader = _SafeLoader(text)
    try:
        node = _compose(loader, text)
        if node is None:
            return {}, None
        if hide:
            _show_breaks(node)
        try:
            data = loader.construct_document(node)
        except (ValueError, KeyError, IndexError, AttributeError) as error:
            # PyYAML's scalar constructors raise these bare, with no position, for an
            # impossible date or an explicitly tagged value that is not of its type
            # (`!!bool maybe`, `!!timestamp soon`).
            raise FrontMatterSyntaxError(*_locate_bad_scalar(node, raw, error)) from None
    except yaml.MarkedYAMLError as error:
        line = _yaml_error_line(error, raw)
        problem = error.problem or str(error)
        raise FrontMatterSyntaxError(line, f"bad YAML: {problem}") from None
    except yaml.reader.ReaderError as error:
        line = _line_at(raw, error.position)
        message = f"bad YAML: unacceptable character #x{error.character:04x}: {error.reason}"
        raise FrontMatterSyntaxError(line, message) from None
    except yaml.YAMLError as error:
        raise FrontMatterSyntaxError(1, f"bad YAML: {error}") from None
    finally:
        loader.dispose()
    return data, _yaml_title(node, data)


def _compose(loader: _SafeLoader, text: str) -> yaml.Node | None:
    """Compose the single document of ``text``, refusing YAML nested too deeply.

    libyaml's composer recurses, so YAML that could nest too deeply is first read as
    events by :func:`_check_nesting`; most front matter cannot, and is composed at once.
    Both ways report the same error for broken YAML: the event pass reads the whole
    text, so a syntax error anywhere wins over what the composer finds on its way (an
    undefined alias, a second document), and it is run to find that error if any.
    """
    if _can_nest_too_deep(text):
        _check_nesting(text)
        return loader.get_single_node()
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        _check_nesting(text)
        raise


def _can_nest_too_deep(text: str) -> bool:
    """Whether ``text`` could hold collections nested deeper than :data:`MAX_YAML_NESTING`.

    Each collection the parser opens starts at a character of its own: ``[`` or ``{``
    (flow), ``-`` (block sequence), ``?`` or ``:`` (block mapping, or a single-pair
    mapping inside a flow sequence); the scanner makes at most one collection's token
    from any one character. So a text with no more of these characters than the limit
    cannot open more collections than that, let alone nest them deeper. Counting them
    is far quicker than parsing, and front matter rarely has more than a few dozen.
    """
    count = 0
    for char in "[{-?:":
        count += text.count(char)
        if count > MAX_YAML_NESTING:
            return True
    return False


def _check_nesting(text: str) -> None:
    """Raise when the YAML nests deeper than :data:`MAX_YAML_NESTING`.

    Reads parser events only (libyaml's parser does not recurse) and stops at the
    first collection too deep, so refusing a huge document is quick.
    """
    events = _SafeLoader(text)
    try:
        depth = 0
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_NESTING:
                    line = _line_at(text, event.start_mark.index) if event.start_mark else 1
                    raise FrontMatterSyntaxError(line, _TOO_DEEP)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        events.dispose()


def _show_breaks(root: yaml.Node) -> None:
    seen: set[int] = set()  # an alias shares its anchor's node: visit each node once
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            node.value = node.value.translate(_SHOW_BREAKS)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.extend((key, value))


def _yaml_title(node: yaml.Node, data: Any) -> str | None:
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return None
    if data.get("title") is None:
        return None
    title: str | None = None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "title":
            title = value.value if isinstance(value, yaml.ScalarNode) else None
    return title


def _line_at(raw: str, index: int) -> int:
    # From the character index, not PyYAML's line count: PyYAML also breaks lines at
    # U+0085, U+2028 and U+2029, which are text in a post.
    return raw.count("\n", 0, index) + 1


def _yaml_error_line(error: yaml.MarkedYAMLError, raw: str) -> int:
    """The line of ``raw`` to blame: where the problem is, unless that is the block's end.

    An unclosed bracket or quote is found only at the end of the stream, which is the
    closing delimiter's line; the context mark (where the bracket opened) or else the
    block's last line is where the author has to look.
    """
    end = len(raw.rstrip())
    for mark in (error.problem_mark, error.context_mark):
        if mark is not None and mark.index < end:
            return _line_at(raw, mark.index)
    return _line_at(raw, end)


def _locate_bad_scalar(node: yaml.Node, raw: str, error: Exception) -> tuple[int, str]:
    checker = yaml.SafeLoader("")
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            try:
                checker.construct_object(current)
            except (ValueError, KeyError, IndexError, AttributeError) as bad:
                line = _line_at(raw, current.start_mark.index)
                if current.tag == "tag:yaml.org,2002:timestamp" and isinstance(bad, ValueError):
                    return line, f"impossible date {current.value!r}: {bad}"
                kind = current.tag.rsplit(":", 1)[-1]
                return line, f"bad YAML value: {current.value!r} is not a valid {kind}"
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                pending.extend((value, key))
    return _line_at(raw, node.start_mark.index), f"bad YAML value: {error}"


# --- TOML and JSON -------------------------------------------------------------------


def _toml_error_line(error: tomllib.TOMLDecodeError, raw: str) -> int:
    found = re.search(r"at line (\d+)", str(error))
    if found:
        return int(found.group(1))
    return raw.count("\n") + 1  # "at end of document"


def _braced(raw: str) -> str:
    """Hexo's ``;;;`` front matter as a JSON object (its braces are optional)."""
    return raw if raw.lstrip().startswith("{") else "{" + raw + "}"


def _load_braceless_json(raw: str) -> Any:
    text = _braced(raw)
    offset = 0 if text is raw else 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = text.count("\n", 0, max(0, error.pos - offset)) + 1
        raise FrontMatterSyntaxError(line, f"bad JSON: {error.msg}") from None


def _title(data: Any) -> str | None:
    """The title as a string (``None`` when absent or not a scalar)."""
    title = data.get("title") if isinstance(data, dict) else None
    if title is None or isinstance(title, str):
        return title
    if isinstance(title, list | dict):
        return None
    if isinstance(title, bool):
        return "true" if title else "false"
    return str(json_safe(title))


def _toml_title(data: Any, raw: str) -> str | None:
    """The title as written, for TOML numbers and dates (``title = 1.10``)."""
    title = _title(data)
    if title is None or isinstance(data["title"], str | bool):
        return title
    # Top-level keys come before any table, so the first `title =` line is this one.
    written = re.search(
        r"""^[ \t]*(?:title|"title"|'title')[ \t]*=[ \t]*([^#\n]*?)[ \t]*(?:#.*)?$""",
        raw,
        re.MULTILINE,
    )
    return written.group(1) if written and written.group(1) else title


def _json_title(data: Any, text: str) -> str | None:
    """The title as written, for JSON numbers (``"title": 1.10``)."""
    title = _title(data)
    if title is None or isinstance(data["title"], str | bool):
        return title
    written = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    return str(written["title"])


# --- JSON-safe metadata ----------------------------------------------------------------


class _TooLarge(Exception):
    pass


def json_safe(value: Any) -> JSONValue:
    """Convert parsed front matter to values ``json.dumps`` writes as standard JSON.

    Dates, times and datetimes become ISO 8601 strings; non-finite floats become strings;
    sets become sorted lists; bytes become base64; mapping keys become strings.
    """
    return _json_safe(value, [MAX_METADATA_VALUES])


def json_safe_mapping(data: Mapping[Any, Any]) -> dict[str, JSONValue]:
    """:func:`json_safe` for a mapping, which stays a ``dict`` with string keys."""
    converted = _json_safe(dict(data), [MAX_METADATA_VALUES])
    assert isinstance(converted, dict)
    return converted


def _json_safe(value: Any, budget: list[int]) -> JSONValue:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_key(k): _json_safe(v, budget) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_json_safe(v, budget) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_json_safe(v, budget) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    if isinstance(key, dt.date | dt.time):
        return key.isoformat()
    return str(key)
