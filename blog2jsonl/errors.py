"""The one exception hierarchy of blog2jsonl, and the diagnostics a run reports.

A bad post raises a :class:`PostError` that carries its path and line; the pipeline
records it, skips the post and goes on. Errors in how blog2jsonl was called (an unknown
chunker, a bad template) raise :class:`OptionsError`, which the CLI maps to exit status 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Blog2JsonlError",
    "DecodeError",
    "Diagnostic",
    "FrontMatterError",
    "OptionsError",
    "PluginError",
    "PostError",
    "ReadError",
    "WorkerError",
]


class Blog2JsonlError(Exception):
    """Base class of every error blog2jsonl raises on purpose."""


class OptionsError(Blog2JsonlError):
    """The options or arguments of a call are unusable (a usage error, exit status 2)."""


class PluginError(OptionsError):
    """A chunker plugin could not be loaded or registered."""


class PostError(Blog2JsonlError):
    """One post cannot be converted; the run reports it as ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type[PostError], tuple[str, int, str]]:
        # Rebuilt from its parts, so that it crosses process boundaries (-j N workers).
        return type(self), (self.path, self.line, self.message)


class WorkerError(Blog2JsonlError):
    """A worker process of a ``jobs`` run ended without answering (killed, say)."""


class ReadError(PostError):
    """The file could not be read from disk."""


class DecodeError(PostError):
    """The file's bytes are not text in an encoding blog2jsonl accepts."""


class FrontMatterError(PostError):
    """The post's front matter is malformed."""


Severity = Literal["note", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something a run tells the user about one input: a note, a warning or an error.

    ``line`` is 1-based, or ``None`` when the message concerns the whole path.
    """

    path: str
    line: int | None
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.severity == "error":  # the `path:line: what is wrong` form
            return f"{where}: {self.message}"
        return f"{where}: {self.severity}: {self.message}"
