"""The registry pattern chunkers and formats share: named specs, filled by entry points.

Every installed package can expose a hook in an entry-point group (``blog2jsonl.chunkers``,
``blog2jsonl.formats``); the hook is called with the registry's ``register`` callback.
The built-ins register through the same path, so a plugin is a first-class citizen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from .errors import OptionsError, PluginError

__all__ = ["Registry"]

_log = logging.getLogger("blog2jsonl")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


S = TypeVar("S", bound=_Named)


class Registry(Generic[S]):
    """Specs by name, in the order they were registered.

    ``kind`` names what is registered ("chunker", "format") in messages. A plugin that
    failed to load is recorded in ``problems`` instead of stopping anything.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._specs: dict[str, S] = {}
        self.problems: list[str] = []

    def register(self, spec: S) -> None:
        """Add ``spec``; raises :class:`PluginError` when its name is taken."""
        if spec.name in self._specs:
            raise PluginError(f"a {self.kind} named {spec.name!r} is already registered")
        self._specs[spec.name] = spec

    def __iter__(self) -> Iterator[S]:
        return iter(self._specs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._specs)

    def get(self, name: str) -> S:
        """The spec named ``name``; raises :class:`OptionsError` listing the known ones."""
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(self._specs) or "none"
            raise OptionsError(f"unknown {self.kind} {name!r} (available: {known})") from None

    def load_entry_points(self, group: str) -> None:
        """Call every installed hook of entry-point ``group`` with :meth:`register`.

        Hooks run in a stable order (by entry-point name, then value). One that fails is
        recorded in :attr:`problems` and passed over, so that one broken plugin never
        takes the built-ins down with it.
        """
        from importlib.metadata import entry_points

        hooks = sorted(entry_points(group=group), key=lambda e: (e.name, e.value))
        for entry in hooks:
            try:
                hook: Callable[[Callable[[S], None]], object] = entry.load()
                hook(self.register)
            except Exception as error:  # a third party's bug must not stop the run
                plugin = f"{self.kind} plugin {entry.name!r} ({entry.value})"
                message = f"{plugin} failed to load: {error}"
                self.problems.append(message)
                _log.warning(message)
