"""Strategy discovery: every module of `src/strategies/` and every `*.py` in `STRATEGIES_DIR`.

A plugin is any `SignalStrategy` subclass with a `name`, defined in the module
being scanned. A user file that fails to import, or a duplicate name, does not
break the registry: it is listed in `Registry.errors` with its reason.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import scalplab.strategies as package
from scalplab.data.features import FeatureParams, parse_market_data
from scalplab.data.providers.reading import PROVIDER_LAYERS
from scalplab.errors import InputError, NotFoundError, StrategyError, snippet
from scalplab.strategies.base import INTERNAL_PARAMS, SignalStrategy
from scalplab.strategies.breakers import check_breakers
from scalplab.strategies.feeds import FeedRef, parse_feeds
from scalplab.strategies.params import ParamSpec, resolve_params, type_of

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_FRAMEWORK_MODULES = frozenset(
    {
        "base",
        "breakers",
        "cli",
        "feeds",
        "indicators",
        "indicators_incremental",
        "params",
        "registry",
        "sgnl_features",
        "signal",
    }
)


@dataclass(frozen=True)
class StrategyInfo:
    """A discovered plugin: identity, parameter metadata and its class."""

    name: str
    version: str
    description: str
    params: dict[str, ParamSpec]
    cls: type[SignalStrategy]
    source: str
    feeds: tuple[FeedRef, ...] = ()
    market_data: tuple[str, ...] = ()
    """Market data beyond candles the plugin reads (`self.market`)."""
    external_layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Layer → the external data providers it reads (`self.p.external`)."""

    @property
    def external_providers(self) -> tuple[str, ...]:
        """Every provider the plugin's external layers read, once each."""
        return tuple(dict.fromkeys(p for names in self.external_layers.values() for p in names))

    def resolve(
        self, given: dict[str, object], strict: bool = False
    ) -> dict[str, int | float | bool | str]:
        """Validated parameter values (defaults for the ones not given; `strict`: JSON
        values of each param's type, as the API takes them)."""
        return resolve_params(self.params, given, strict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the CLI and the API."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "params": [spec.to_dict() for spec in self.params.values()],
            "feeds": [str(feed) for feed in self.feeds],
            "market_data": list(self.market_data),
            "external_layers": {layer: list(v) for layer, v in self.external_layers.items()},
        }

    def market_params(self, params: dict[str, int | float | bool | str]) -> FeatureParams:
        """The feature thresholds of a run: the plugin's, with any param of the same name."""
        return self.cls.market_params.resolved(params)


@dataclass
class Registry:
    """Plugins by name, plus the files or classes that could not be loaded."""

    strategies: dict[str, StrategyInfo] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def list(self) -> list[StrategyInfo]:
        """Every plugin, by name."""
        return [self.strategies[name] for name in sorted(self.strategies)]

    def get(self, name: str) -> StrategyInfo:
        """One plugin; `NotFoundError` naming the known ones otherwise."""
        try:
            return self.strategies[name]
        except KeyError:
            known = ", ".join(sorted(self.strategies)) or "none"
            failed = [error for error in self.errors if repr(name) in error] or self.errors[:3]
            why = f"; failed to load: {' | '.join(failed)}" if failed else ""
            raise NotFoundError(f"unknown strategy {snippet(name)} (known: {known}){why}") from None

    def add_module(self, module: ModuleType, source: str) -> None:
        """Register every plugin class defined in `module`."""
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, SignalStrategy)
                and obj is not SignalStrategy
                and obj.__module__ == module.__name__
                and obj.name
            ):
                self._add_class(obj, source)

    def _add_class(self, cls: type[SignalStrategy], source: str) -> None:
        name = cls.name
        if not _NAME.match(name):
            self.errors.append(f"{source}: strategy name {name!r} must match {_NAME.pattern}")
            return
        if name in self.strategies:
            first = self.strategies[name].source
            self.errors.append(f"{source}: strategy name {name!r} is already taken by {first}")
            return
        try:
            specs = param_specs(cls)
            feeds = parse_feeds(cls.feeds)
            external = parse_external_layers(cls.external_layers)
            providers = {name for names in external.values() for name in names}
            check_breakers(cls.breakers, cls.feeds, providers)
            market_data = parse_market_data(cls.market_data)
            if not isinstance(cls.market_params, FeatureParams):
                raise TypeError("market_params must be a FeatureParams")
        except (TypeError, ValueError, InputError, StrategyError) as exc:
            self.errors.append(f"{source}: strategy {name!r}: {exc}")
            return
        doc = inspect.getdoc(cls) or ""
        self.strategies[name] = StrategyInfo(
            name=name,
            version=str(cls.version),
            description=cls.description or (doc.splitlines()[0] if doc else ""),
            params=specs,
            cls=cls,
            source=source,
            feeds=feeds,
            market_data=market_data,
            external_layers=external,
        )


def parse_external_layers(value: object) -> dict[str, tuple[str, ...]]:
    """A class's `external_layers`, checked: layer names mapped to tuples of known
    provider names (`StrategyError` otherwise)."""
    if not isinstance(value, Mapping):
        raise StrategyError(f"external_layers must map layers to providers, not {value!r}")
    checked: dict[str, tuple[str, ...]] = {}
    for layer, names in value.items():
        if not (isinstance(layer, str) and _NAME.match(layer)):
            raise StrategyError(f"external_layers: {layer!r} is not a layer name")
        if not (isinstance(names, tuple) and names):
            raise StrategyError(f"external_layers[{layer!r}] must be a non-empty tuple")
        unknown = [name for name in names if name not in PROVIDER_LAYERS]
        if unknown:
            raise StrategyError(
                f"external_layers[{layer!r}]: unknown provider {unknown[0]!r} "
                f"(providers: {', '.join(PROVIDER_LAYERS)})"
            )
        checked[layer] = names
    return checked


def param_specs(cls: type[SignalStrategy]) -> dict[str, ParamSpec]:
    """Parameter metadata of a plugin from its Backtrader params and `param_info`."""
    info = {**SignalStrategy.base_param_info, **cls.param_info}
    defaults: dict[str, object] = dict(cast(Any, cls.params)._getpairs())
    unknown = sorted(set(cls.param_info) - set(defaults))
    if unknown:
        raise ValueError(f"param_info names unknown params: {', '.join(unknown)}")
    specs: dict[str, ParamSpec] = {}
    for name, default in defaults.items():
        if name in INTERNAL_PARAMS:
            continue
        meta = info.get(name)
        if not isinstance(default, int | float | bool | str):
            raise TypeError(f"param {name} default {default!r}: use int, float, bool or str")
        specs[name] = ParamSpec(
            name=name,
            type=type_of(default),
            default=default,
            description=meta.description if meta else "",
            min=meta.min if meta else None,
            max=meta.max if meta else None,
            choices=meta.choices if meta else None,
        )
    return specs


def _load_file(path: Path) -> ModuleType:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    module_name = f"scalplab_user_strategies.{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def discover(plugin_dir: Path | None = None) -> Registry:
    """Scan the built-in package and, if given and present, a user plugin directory."""
    registry = Registry()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _FRAMEWORK_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        registry.add_module(module, f"src/strategies/{info.name}.py")
    if plugin_dir is not None and plugin_dir.is_dir():
        for path in sorted(plugin_dir.glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                module = _load_file(path)
            except Exception as exc:
                registry.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            registry.add_module(module, str(path))
    return registry


def get_registry(plugin_dir: Path | None = None) -> Registry:
    """The registry for the configured `STRATEGIES_DIR` (or the given directory)."""
    if plugin_dir is None:
        from scalplab.config import get_settings

        plugin_dir = get_settings().plugin_dir
    return discover(plugin_dir)
