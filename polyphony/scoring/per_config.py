"""What is built from a policy's config once and kept: rebuilding it for every document costs more than its use."""

import copy
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerConfig(Generic[T]):
    """What `build` makes of a config, kept per config object while that config is unchanged (compared with a copy,
    so a config changed in place builds anew)."""

    def __init__(self, build: Callable[[Mapping[str, Any]], T], *, kept: int) -> None:
        self._build = build
        self._kept = kept
        self._built: dict[int, tuple[Mapping[str, Any], T]] = {}

    def __call__(self, config: Mapping[str, Any]) -> T:
        built = self._built.get(id(config))
        if built is None or built[0] != config:
            if len(self._built) > self._kept:
                self._built.clear()
            built = self._built[id(config)] = (copy.deepcopy(config), self._build(config))
        return built[1]
