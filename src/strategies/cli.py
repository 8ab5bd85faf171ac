"""`scalplab strategies [--json]`: the plugin registry with parameter metadata."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scalplab.config import get_settings
from scalplab.strategies.registry import get_registry


def register(commands: Any) -> None:
    """Add the `strategies` command."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "strategies", help="list strategy plugins with their params"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=list_strategies)


def list_strategies(args: argparse.Namespace) -> int:
    """Print every plugin (and every plugin file that failed to load, on stderr)."""
    registry = get_registry(get_settings().plugin_dir)
    if args.json:
        payload = {
            "strategies": [info.to_dict() for info in registry.list()],
            "errors": registry.errors,
        }
        print(json.dumps(payload, indent=2))
    else:
        for info in registry.list():
            print(f"{info.name} {info.version} — {info.description}")
            for spec in info.params.values():
                bounds = ""
                if spec.min is not None or spec.max is not None:
                    low = "" if spec.min is None else f"{spec.min:g}"
                    high = "" if spec.max is None else f"{spec.max:g}"
                    bounds = f" [{low}..{high}]"
                print(
                    f"    {spec.name}: {spec.type} = {spec.default!r}{bounds}  {spec.description}"
                )
    for error in registry.errors:
        print(f"warning: {error}", file=sys.stderr)
    return 0
