"""Config: the options a site keeps in ``blog2jsonl.toml`` at its root.

The keys are the long command-line options without their dashes (``max-chars = 400``,
``format = "chat"``, ``output = "train.jsonl"``); flags take ``true``/``false``, options
given several times take a list. Command-line flags override the file. With a config file,
``blog2jsonl`` run with no arguments in the site root converts the site.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .errors import OptionsError

__all__ = ["CONFIG_NAME", "find_config", "read_config"]

CONFIG_NAME = "blog2jsonl.toml"


def find_config(root: str | os.PathLike[str]) -> Path | None:
    """The config file of the site at ``root`` (a folder), or ``None``."""
    path = Path(root) / CONFIG_NAME
    return path if path.is_file() else None


def read_config(path: str | os.PathLike[str], known: Mapping[str, str]) -> dict[str, object]:
    """The settings in the config file at ``path``, by option name.

    ``known`` maps each allowed key (a long option without ``--``) to the name the
    settings are returned under. Raises :class:`OptionsError` naming the file (and the
    line, for a syntax error) when it cannot be read, is not TOML, or has a key not in
    ``known`` or a table where a value belongs.
    """
    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except OSError as error:
        raise OptionsError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        where = f"{path}:{found.group(1)}" if found else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise OptionsError(f"{where}: not valid TOML: {reason}") from None
    settings: dict[str, object] = {}
    for key, value in data.items():
        name = known.get(key)
        if name is None:
            choices = ", ".join(sorted(known))
            raise OptionsError(f"{path}: unknown key {key!r} (keys: {choices})")
        if isinstance(value, dict):
            raise OptionsError(f"{path}: {key!r} takes a value, not a table")
        settings[name] = value
    return settings
