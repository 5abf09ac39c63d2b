"""The values ``blog2jsonl check`` passes between its steps.

A training file is read into :class:`Example` values, one per line (or row, or array
element), whatever its format: every format is seen as a short conversation of
:class:`Message` values, so that one set of rules and one token counter serve them all.
What the checks find is a :class:`Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CATEGORIES",
    "FORMATS",
    "Example",
    "Finding",
    "Message",
    "Severity",
]

#: The training-file formats, as ``--format`` names them.
FORMATS: Final = ("completion", "chat", "text", "alpaca", "sharegpt")

Severity = Literal["error", "warning"]

#: Every finding's category, with what it means; the report groups findings by these.
CATEGORIES: Final = {
    # reading
    "unreadable": "the file cannot be read",
    # schema, one line each
    "invalid-utf8": "the line is not valid UTF-8",
    "not-json": "the line is not JSON",
    "not-object": "the example is not a JSON object",
    "missing-keys": "a key the format needs is missing",
    "extra-keys": "a key the format does not know (strict trainers reject it)",
    "unknown-role": "a message role other than system, user, assistant",
    "role-order": "messages out of order",
    "empty-content": "empty text where the format needs some",
    "non-string-content": "text that is not a string",
    "bad-weight": "a 'weight' other than 0 or 1",
    # the file as a whole
    "too-few-examples": "fewer examples than a fine-tuning job accepts or needs",
    "over-token-limit": "an example longer than the model takes",
    "special-token": "text that looks like a special token",
    "duplicate": "an example that appears more than once",
    "conflicting-completions": "one prompt with different completions",
    "train-val-overlap": "an example in both the training and the validation file",
    # OpenAI's legacy prompt/completion conventions
    "legacy-separator": "prompts do not end with one common separator",
    "legacy-stop": "completions do not end with one common stop sequence",
    "legacy-leading-space": "completions do not start with a space",
    "common-prefix": "a long prefix common to every prompt or completion",
}


@dataclass(frozen=True, slots=True)
class Message:
    """One turn: ``role`` is ``system``, ``user`` or ``assistant`` once read.

    ShareGPT's ``human``/``gpt`` are read as ``user``/``assistant``; other formats map
    their fields onto roles (completion: prompt → user, completion → assistant; alpaca:
    instruction and input → user, output → assistant; text: the text → assistant).
    ``weight`` is the chat format's optional 0/1 training weight.
    """

    role: str
    content: str
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training example as read from ``file`` at ``line`` (1-based).

    ``line`` is where the example starts: the line of a JSONL record, the line an array
    element of a JSON file starts on, the first line of a CSV/TSV row.
    ``fields`` keeps the format's own string fields as written (completion: ``prompt``
    and ``completion``), which the legacy-convention checks and ``--fix`` need.
    """

    file: str
    line: int
    format: str
    messages: tuple[Message, ...]
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a check found: a category from :data:`CATEGORIES`, where, and what."""

    severity: Severity
    category: str
    message: str
    file: str
    lines: tuple[int, ...] = ()
