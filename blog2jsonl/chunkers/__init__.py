"""Chunk: the chunker protocol and the registry that built-ins and plugins share.

A chunker is any object with ``chunk(document) -> Iterator[Chunk]``. It is made known
through a :class:`ChunkerSpec` (a name, one line of summary, a factory and its options)
passed to the ``register`` callback that the entry-point group ``blog2jsonl.chunkers``
hands to each installed package's hook::

    # pyproject.toml of a plugin package
    [project.entry-points."blog2jsonl.chunkers"]
    sentences = "my_package:register_chunkers"

    # my_package/__init__.py
    def register_chunkers(register):
        register(ChunkerSpec("sentences", "One sentence per part.", SentenceChunker))

The built-in ``chars``, ``tokens`` and ``headings`` chunkers register the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, runtime_checkable

from ..errors import OptionsError
from ..models import Chunk, Document
from ..registry import Registry

__all__ = [
    "ENTRY_POINT_GROUP",
    "Chunker",
    "ChunkerOption",
    "ChunkerRegistry",
    "ChunkerSpec",
    "get_registry",
]

ENTRY_POINT_GROUP = "blog2jsonl.chunkers"


@runtime_checkable
class Chunker(Protocol):
    """Cuts a cleaned document into parts."""

    def chunk(self, document: Document) -> Iterator[Chunk]:
        """Yield the document's chunks in order, ``part`` numbered from 1."""
        ...


@dataclass(frozen=True, slots=True)
class ChunkerOption:
    """One keyword argument a chunker's factory takes.

    ``type`` converts a command-line string (``int``, ``float``, ``str`` or ``bool``).
    """

    name: str
    type: type[Any]
    default: Any
    help: str

    def convert(self, value: Any) -> Any:
        """``value`` converted to this option's type; raises :class:`OptionsError`."""
        if not isinstance(value, str) or self.type is str:
            return value
        if self.type is bool:
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        else:
            try:
                return self.type(value)
            except ValueError:
                pass
        raise OptionsError(f"option {self.name!r} takes a {self.type.__name__}, not {value!r}")


@dataclass(frozen=True, slots=True)
class ChunkerSpec:
    """A chunker as the registry knows it: name, one-line summary, factory, options."""

    name: str
    summary: str
    factory: Callable[..., Chunker]
    options: tuple[ChunkerOption, ...] = ()


class ChunkerRegistry(Registry[ChunkerSpec]):
    """The chunkers by name, in the order they were registered."""

    def __init__(self) -> None:
        super().__init__("chunker")

    def create(self, name: str, options: Mapping[str, Any] | None = None) -> Chunker:
        """Build chunker ``name`` with ``options``, converted and checked against its spec.

        Raises :class:`OptionsError` for an unknown chunker or option, or a bad value.
        """
        spec = self.get(name)
        declared = {option.name: option for option in spec.options}
        kwargs: dict[str, Any] = {}
        for key, value in (options or {}).items():
            if key not in declared:
                takes = ", ".join(declared) or "no options"
                raise OptionsError(f"chunker {name!r} has no option {key!r} (it takes: {takes})")
            kwargs[key] = declared[key].convert(value)
        try:
            chunker = spec.factory(**kwargs)
        except (TypeError, ValueError) as error:
            raise OptionsError(f"chunker {name!r}: {error}") from None
        return chunker


@cache
def get_registry() -> ChunkerRegistry:
    """The process-wide registry, with every installed plugin loaded on first use."""
    registry = ChunkerRegistry()
    registry.load_entry_points(ENTRY_POINT_GROUP)
    if "chars" not in registry:
        # Running from a source tree that was never installed: no entry-point metadata.
        from .builtin import register_chunkers

        register_chunkers(registry.register)
    return registry
