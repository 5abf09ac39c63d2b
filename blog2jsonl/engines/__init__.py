"""Engines: other ways to run the pipeline than the local, in-process one.

:mod:`~blog2jsonl.engines.ray` converts posts on a Ray cluster with Ray Data and writes
sharded JSONL or Parquet (``pip install 'blog2jsonl[ray]'``). Names are imported on first
use, so that importing this package never imports Ray.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ray import RaySummary, convert_with_ray

__all__ = ["RaySummary", "convert_with_ray"]

_MODULE_OF = {"RaySummary": "ray", "convert_with_ray": "ray"}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
