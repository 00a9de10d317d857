"""Name → function registries, so that a pipeline or a rule set is a list of names in a config (as spaCy does)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

F = TypeVar("F", bound=Callable)


class Registry(Generic[F]):
    """Functions registered by name. `modules` are imported on first lookup: importing them registers their entries."""

    def __init__(self, kind: str, modules: list[str]):
        self.kind = kind
        self._modules = modules
        self._entries: dict[str, F] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[F], F]:
        def decorate(func: F) -> F:
            if name in self._entries and self._entries[name] is not func:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = func
            return func

        return decorate

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)

    def get(self, name: str) -> F:
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._entries))}") from None

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)
