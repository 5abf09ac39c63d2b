"""Schema: tell which format a training file is in, and read each row as an Example.

Five shapes are known (:data:`~.model.FORMATS`)::

    completion  {"prompt": str, "completion": str}
    chat        {"messages": [{"role": ..., "content": str, "weight"?: 0|1, ...}, ...]}
    text        {"text": str}
    alpaca      {"instruction": str, "input"?: str, "output": str, "system"?, "history"?}
    sharegpt    {"conversations": [{"from": "human"|"gpt"|..., "value": str}, ...]}

:func:`detect_format` guesses the shape from the keys of a file's first objects;
:func:`validate` reads one row in a given shape and says everything wrong with it.
A row with an error gives no :class:`~.model.Example` (its problems are reported, and
it is neither counted nor measured); warnings alone (unknown keys) still give one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Final

from .model import FORMATS, Example, Finding, Message
from .read import Row

__all__ = [
    "DETECT_ROWS",
    "Validated",
    "detect_format",
    "detect_rows",
    "format_keys",
    "undetected_finding",
    "validate",
]

#: How many of a file's first objects :func:`detect_format` looks at.
DETECT_ROWS: Final = 20

# The keys that give a format away, strongest first: an object with "messages" is chat
# even when it also has a "text", say. Alpaca is told by "instruction" or "output".
_TELLING_KEYS: Final = (
    ("chat", ("messages",)),
    ("sharegpt", ("conversations",)),
    ("alpaca", ("instruction", "output")),
    ("completion", ("prompt", "completion")),
    ("text", ("text",)),
)

_REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "completion": ("prompt", "completion"),
    "chat": ("messages",),
    "text": ("text",),
    "alpaca": ("instruction", "output"),
    "sharegpt": ("conversations",),
}
_OPTIONAL: Final[Mapping[str, tuple[str, ...]]] = {
    "completion": (),
    # OpenAI accepts tool definitions beside the conversation.
    "chat": ("tools", "functions", "parallel_tool_calls"),
    "text": (),
    "alpaca": ("input", "system", "history"),
    "sharegpt": ("system", "tools"),
}

_CHAT_ROLES: Final = ("system", "user", "assistant", "tool", "function")
_CHAT_MESSAGE_KEYS: Final = (
    "role",
    "content",
    "name",
    "weight",
    "tool_calls",
    "function_call",
    "tool_call_id",
)
# ShareGPT's speakers, as the roles they play: a function call is the assistant's turn,
# its result (an observation) comes back in the user's place.
_SHAREGPT_ROLES: Final[Mapping[str, str]] = {
    "system": "system",
    "human": "user",
    "gpt": "assistant",
    "function_call": "assistant",
    "observation": "user",
}
_SHAREGPT_MESSAGE_KEYS: Final = ("from", "value")
# The converter's --metadata object: say where it comes from, since it is our own doing.
_META_NOTE: Final = " ('meta' is what blog2jsonl's --metadata adds; strip it before uploading)"


@dataclass(frozen=True, slots=True)
class Validated:
    """What :func:`validate` made of one row: the example (None if the row has errors)
    and every problem found, in the order of the row's fields."""

    example: Example | None
    findings: tuple[Finding, ...]


def format_keys(format: str) -> tuple[str, ...]:
    """Return the top-level keys ``format`` knows, required ones first."""
    return _REQUIRED[format] + _OPTIONAL[format]


def detect_format(values: Iterable[object]) -> str | None:
    """Return the format most of the first :data:`DETECT_ROWS` objects in ``values`` are in.

    Each object votes for the format its keys give away (``messages``: chat,
    ``conversations``: sharegpt, ``instruction`` or ``output``: alpaca, ``prompt`` or
    ``completion``: completion, ``text``: text, in that order of strength); values that
    are not objects, and objects with none of those keys, do not vote. A tie goes to
    the format listed first in :data:`~.model.FORMATS`. None when nothing voted.
    """
    votes: Counter[str] = Counter()
    seen = 0
    for value in values:
        if not isinstance(value, dict):
            continue
        seen += 1
        guess = _guess(value)
        if guess is not None:
            votes[guess] += 1
        if seen >= DETECT_ROWS:
            break
    if not votes:
        return None
    return max(FORMATS, key=lambda name: (votes[name], -FORMATS.index(name)))


def _guess(value: Mapping[str, object]) -> str | None:
    for format, keys in _TELLING_KEYS:
        if any(key in value for key in keys):
            return format
    return None


def detect_rows(rows: Iterator[Row], forced: str | None) -> tuple[str | None, Iterator[Row]]:
    """Tell the format of a file from its first rows (:func:`detect_format`), or take
    ``forced``.

    Returns the format (None when it cannot be told) and all of ``rows``, the ones
    looked at included, to be read from the start.
    """
    if forced is not None:
        return forced, rows
    head: list[Row] = []
    objects = 0
    for row in rows:
        head.append(row)
        objects += row.finding is None and isinstance(row.value, dict)
        if objects >= DETECT_ROWS:
            break
    format = detect_format(row.value for row in head if row.finding is None)
    return format, chain(head, rows)


def undetected_finding(file: str, rows: Sequence[Row]) -> Finding:
    """The file-level error for ``file``, whose format cannot be told from ``rows``.

    It says which keys the rows have and what each format needs. Its category is
    ``missing-keys``: no format finds the keys it needs.
    """
    values = [row.value for row in rows if row.finding is None]
    keys = dict.fromkeys(key for value in values if isinstance(value, dict) for key in value)
    shapes = "; ".join(f"{name}: {', '.join(map(repr, _REQUIRED[name]))}" for name in FORMATS)
    if keys:
        seen = "the objects have the keys " + _names(list(keys)[:10], joiner=", ")
        if len(keys) > 10:
            seen += f" and {len(keys) - 10} more"
    else:
        seen = "no row is a JSON object"
    message = (
        f"cannot tell the format: {seen}; the formats need ({shapes}); choose one with --format"
    )
    return Finding("error", "missing-keys", message, file)


def validate(value: object, format: str, file: str, line: int) -> Validated:
    """Read ``value`` (one row of ``file``, starting at ``line``) as an example of ``format``.

    Returns the example, or None in its place if anything is an error, with one finding
    per problem (categories ``not-object``, ``missing-keys``, ``extra-keys``,
    ``unknown-role``, ``role-order``, ``empty-content``, ``non-string-content``,
    ``bad-weight``). Raises ``KeyError`` for a format not in :data:`~.model.FORMATS`.
    """
    row = _Row(file, line)
    if not isinstance(value, dict):
        row.error("not-object", f"not a JSON object but {_kind(value)}")
        return row.result(None)
    row.check_keys(value, format)
    messages = _READERS[format](row, value)
    if row.has_errors or messages is None:
        return row.result(None)
    fields: tuple[tuple[str, str], ...] = ()
    if format in ("completion", "text", "alpaca"):
        fields = tuple(
            (key, value[key]) for key in format_keys(format) if isinstance(value.get(key), str)
        )
    return row.result(Example(file, line, format, tuple(messages), fields))


class _Row:
    """Collects the findings of one row."""

    def __init__(self, file: str, line: int) -> None:
        self.file = file
        self.line = line
        self.findings: list[Finding] = []

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == "error" for finding in self.findings)

    def error(self, category: str, message: str) -> None:
        self.findings.append(Finding("error", category, message, self.file, (self.line,)))

    def warning(self, category: str, message: str) -> None:
        self.findings.append(Finding("warning", category, message, self.file, (self.line,)))

    def result(self, example: Example | None) -> Validated:
        return Validated(example, tuple(self.findings))

    def check_keys(self, value: Mapping[str, object], format: str) -> None:
        missing = [key for key in _REQUIRED[format] if key not in value]
        if missing:
            self.error("missing-keys", f"{format} needs {_names(missing)}")
        known = format_keys(format)
        extra = [key for key in value if key not in known]
        if extra:
            note = _META_NOTE if "meta" in extra else ""
            self.warning("extra-keys", f"{format} does not know {_names(extra)}{note}")

    def text(self, where: str, value: object, *, optional: bool = False) -> str | None:
        """Check one text field: a string, and unless ``optional`` not blank."""
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            self.error("non-string-content", f"{where} is {_kind(value)}, not a string")
            return None
        if not optional and not value.strip():
            self.error("empty-content", f"{where} is {'empty' if not value else 'blank'}")
        return value


def _read_completion(row: _Row, value: Mapping[str, object]) -> list[Message] | None:
    # An empty prompt is allowed, as OpenAI's legacy tools allowed it: open-ended
    # generation trains on completions alone.
    prompt = row.text("prompt", value.get("prompt"), optional=True) if "prompt" in value else ""
    completion = row.text("completion", value["completion"]) if "completion" in value else None
    if prompt is None or completion is None:
        return None
    return [Message("user", prompt), Message("assistant", completion)]


def _read_text(row: _Row, value: Mapping[str, object]) -> list[Message] | None:
    text = row.text("text", value["text"]) if "text" in value else None
    return None if text is None else [Message("assistant", text)]


def _read_alpaca(row: _Row, value: Mapping[str, object]) -> list[Message] | None:
    instruction = row.text("instruction", value["instruction"]) if "instruction" in value else None
    given = row.text("input", value.get("input"), optional=True)
    output = row.text("output", value["output"]) if "output" in value else None
    system = row.text("system", value.get("system"), optional=True)
    history = _alpaca_history(row, value.get("history"))
    if instruction is None or given is None or output is None or system is None:
        return None
    messages = [Message("system", system)] if system.strip() else []
    for asked, answered in history:
        messages += [Message("user", asked), Message("assistant", answered)]
    user = instruction + ("\n\n" + given if given else "")
    return [*messages, Message("user", user), Message("assistant", output)]


def _alpaca_history(row: _Row, history: object) -> list[tuple[str, str]]:
    # LLaMA-Factory's shape: earlier turns as [instruction, response] pairs.
    if history is None:
        return []
    if not isinstance(history, list):
        row.error("non-string-content", f"history is {_kind(history)}, not a list of pairs")
        return []
    pairs = []
    for index, pair in enumerate(history):
        where = f"history[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            row.error("non-string-content", f"{where} is not a pair [instruction, response]")
            continue
        asked = row.text(f"{where}[0]", pair[0])
        answered = row.text(f"{where}[1]", pair[1])
        if asked is not None and answered is not None:
            pairs.append((asked, answered))
    return pairs


def _read_chat(row: _Row, value: Mapping[str, object]) -> list[Message] | None:
    if "messages" not in value:
        return None
    items = _message_list(row, "messages", value["messages"])
    if items is None:
        return None
    messages: list[Message] = []
    roles: list[str | None] = []
    for index, item in enumerate(items):
        where = f"messages[{index}]"
        if not isinstance(item, dict):
            row.error("not-object", f"{where} is {_kind(item)}, not an object")
            roles.append(None)
            continue
        message = _chat_message(row, where, item)
        roles.append(message.role if message is not None else _known_role(item, _CHAT_ROLES))
        if message is not None:
            messages.append(message)
    _check_order(row, "messages", roles)
    return messages


def _chat_message(row: _Row, where: str, item: Mapping[str, object]) -> Message | None:
    missing = [key for key in ("role", "content") if key not in item]
    calls = item.get("tool_calls") or item.get("function_call")
    given = item.get("content")
    # An assistant message that calls a tool may leave out its content, or leave it empty;
    # the call itself, as JSON, stands in for it so that its tokens are counted.
    if item.get("role") == "assistant" and calls and (given is None or given == ""):
        missing = [key for key in missing if key != "content"]
        content: str | None = json.dumps(calls, ensure_ascii=False, sort_keys=True)
    elif "content" in item:
        content = row.text(f"{where}.content", item["content"])
    else:
        content = None
    if missing:
        row.error("missing-keys", f"{where} needs {_names(missing)}")
    extra = [key for key in item if key not in _CHAT_MESSAGE_KEYS]
    if extra:
        row.warning("extra-keys", f"{where} has {_names(extra)}, which chat does not know")
    role = item.get("role")
    if "role" in item and role not in _CHAT_ROLES:
        row.error("unknown-role", f"{where} has role {_short_repr(role)} ({_or(_CHAT_ROLES)})")
        role = None
    if "name" in item and not isinstance(item["name"], str):
        row.error("non-string-content", f"{where}.name is {_kind(item['name'])}, not a string")
    weight = _weight(row, where, item, role)
    if not isinstance(role, str) or content is None:
        return None
    return Message(role, content, weight)


def _weight(row: _Row, where: str, item: Mapping[str, object], role: object) -> int | None:
    if "weight" not in item:
        return None
    weight = item["weight"]
    # JSON true is a Python int; a weight must be the number itself.
    if type(weight) is not int or weight not in (0, 1):
        row.error("bad-weight", f"{where}.weight is {_short_repr(weight)}, not 0 or 1")
        return None
    if role is not None and role != "assistant":
        row.error(
            "bad-weight", f"{where} is a {role} message; only assistant messages have a weight"
        )
        return None
    return weight


def _read_sharegpt(row: _Row, value: Mapping[str, object]) -> list[Message] | None:
    system = row.text("system", value.get("system"), optional=True)
    if "tools" in value and value["tools"] is not None and not isinstance(value["tools"], str):
        row.error("non-string-content", f"tools is {_kind(value['tools'])}, not a JSON string")
    if "conversations" not in value:
        return None
    items = _message_list(row, "conversations", value["conversations"])
    if items is None or system is None:
        return None
    messages = [Message("system", system)] if system.strip() else []
    roles: list[str | None] = []
    for index, item in enumerate(items):
        where = f"conversations[{index}]"
        if not isinstance(item, dict):
            row.error("not-object", f"{where} is {_kind(item)}, not an object")
            roles.append(None)
            continue
        missing = [key for key in _SHAREGPT_MESSAGE_KEYS if key not in item]
        if missing:
            row.error("missing-keys", f"{where} needs {_names(missing)}")
        extra = [key for key in item if key not in _SHAREGPT_MESSAGE_KEYS]
        if extra:
            row.warning("extra-keys", f"{where} has {_names(extra)}, which sharegpt does not know")
        speaker = item.get("from")
        role = _SHAREGPT_ROLES.get(speaker) if isinstance(speaker, str) else None
        if "from" in item and role is None:
            known = _or(tuple(_SHAREGPT_ROLES))
            row.error("unknown-role", f"{where} is from {_short_repr(speaker)} ({known})")
        text = row.text(f"{where}.value", item["value"]) if "value" in item else None
        roles.append(role)
        if role is not None and text is not None:
            messages.append(Message(role, text))
    # A top-level system prompt comes before every turn, so a system turn is not first.
    _check_order(row, "conversations", roles, system_before=bool(system.strip()))
    return messages


def _message_list(row: _Row, key: str, value: object) -> list[object] | None:
    if not isinstance(value, list):
        row.error("not-object", f"{key} is {_kind(value)}, not a list of message objects")
        return None
    if not value:
        row.error("empty-content", f"{key} is an empty list")
        return None
    return value


def _known_role(item: Mapping[str, object], roles: Sequence[str]) -> str | None:
    role = item.get("role")
    return role if isinstance(role, str) and role in roles else None


def _check_order(
    row: _Row, key: str, roles: Sequence[str | None], *, system_before: bool = False
) -> None:
    """Check turn order: an optional system message first, then the user and the assistant
    taking turns, the user first and the assistant last. Tool results may follow an
    assistant message; the assistant may then speak again. ``system_before``: a system
    prompt outside the list comes first.

    Not checked when a role is unknown (None): that is reported already, and the order
    problems it would cause are not the user's to fix.
    """
    if None in roles:
        return
    problems: list[str] = []
    # The last system, user or assistant message, and where it is.
    previous: str | None = "system" if system_before else None
    at = -1
    after_tool = False
    for index, role in enumerate(roles):
        here = f"{key}[{index}]"
        if role in ("tool", "function"):
            if previous != "assistant":
                problems.append(f"{here} is a {role} result with no assistant message before it")
            after_tool = True
            continue
        if role == "system" and (index > 0 or system_before):
            problems.append(f"{here} is a system message, which may only come first")
            continue  # the turns around it are judged as if it were not there
        if role == "user" and previous == "user":
            problems.append(f"{key}[{at}] and {here} are both the user's")
        elif role == "assistant" and previous in (None, "system"):
            problems.append(f"{here} is the assistant's, but the user speaks first")
        elif role == "assistant" and previous == "assistant" and not after_tool:
            problems.append(f"{key}[{at}] and {here} are both the assistant's")
        previous, at, after_tool = role, index, False
    if roles and "assistant" not in roles:
        problems.append(f"{key} has no assistant message")
    elif roles and roles[-1] != "assistant":
        problems.append(f"{key} ends with the {roles[-1]}'s message, not the assistant's")
    if problems:
        row.error("role-order", "; ".join(problems))


_READERS: Final = {
    "completion": _read_completion,
    "chat": _read_chat,
    "text": _read_text,
    "alpaca": _read_alpaca,
    "sharegpt": _read_sharegpt,
}


def _names(keys: Sequence[str], *, joiner: str = " and ") -> str:
    """Quote ``keys`` as Python would, each cut to 40 characters: 'a', 'b' and 'c'."""
    quoted = [repr(key) if len(key) <= 40 else repr(key[:37] + "...") for key in keys]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + joiner + quoted[-1]


def _or(values: Sequence[str]) -> str:
    return "known: " + ", ".join(values)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _short_repr(value: object) -> str:
    if not isinstance(value, str | int | float | bool) and value is not None:
        return _kind(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."
