"""`scalplab providers status|fetch|record`: the external data providers from the shell.

* `status` — each provider's configuration (runnable or why not, its source) and its
  recorded snapshots (days stored, the latest reading and its freshness now);
* `fetch [NAME…]` — one fetch of each (default: the ones `PROVIDERS` enables), printed;
  exit 1 when any was left out;
* `record [NAME…] [--duration S] [--interval S]` — polls them every `--interval` seconds
  (default `PROVIDER_POLL_SECONDS`) and records the snapshots until the duration is over or
  Ctrl-C; exit 1 when nothing could be recorded.

`--json` prints one JSON object. Naming an unknown provider, or none when `PROVIDERS` is
empty, is a one-line error.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scalplab.config import Settings, get_settings
from scalplab.data.providers.base import Provider, now_ms
from scalplab.data.providers.reading import ProviderReading
from scalplab.data.providers.registry import (
    PROVIDER_NAMES,
    build_providers,
    check_names,
    close_all,
    enabled_names,
)
from scalplab.data.providers.store import ProviderRecorder, provider_history, stored_days
from scalplab.errors import DataError, InputError, snippet
from scalplab.timeutil import iso_ms, to_ms


def _chosen(settings: Settings, names: list[str]) -> list[str]:
    if names:
        unknown = [name for name in names if name not in PROVIDER_NAMES]
        if unknown:
            raise InputError(
                f"unknown provider {snippet(unknown[0], bare=True)} "
                f"(providers: {', '.join(PROVIDER_NAMES)})"
            )
        return check_names(names, "providers")
    enabled = enabled_names(settings)
    if not enabled:
        raise InputError(
            "no provider is enabled: set PROVIDERS (e.g. PROVIDERS=fear_greed,macro) or name "
            f"one ({', '.join(PROVIDER_NAMES)})"
        )
    return enabled


def _describe(reading: ProviderReading, at_ms: int) -> str:
    if not reading.available:
        return f"{reading.provider}: {reading.left_out}"
    values = ", ".join(f"{name} {value:g}" for name, value in sorted(reading.metrics.items()))
    labels = "".join(f", {name} {text}" for name, text in sorted(reading.labels.items()))
    observed = "?" if reading.observed_at is None else iso_ms(reading.observed_at)
    return (
        f"{reading.provider}: {values}{labels} (observed {observed}, "
        f"freshness {reading.freshness(at_ms):g})"
    )


def cmd_status(args: argparse.Namespace) -> int:
    """Configuration and stored snapshots of every provider."""
    settings = get_settings()
    providers = build_providers(settings)
    now = now_ms()
    rows: list[dict[str, Any]] = []
    try:
        for name, provider in providers.items():
            health = provider.health()
            days = stored_days(settings.data_dir, name)
            latest = None
            if days:
                start = to_ms(datetime.fromisoformat(days[-1]).replace(tzinfo=UTC))
                history = provider_history(settings.data_dir, name, start, now + 1, lookback_ms=0)
                latest = history.readings[-1] if history.readings else None
            rows.append(
                {
                    "provider": name,
                    "layer": health.layer,
                    "configured": provider.configured,
                    "reason": None if provider.configured else health.reason,
                    "source": health.source,
                    "stored_days": len(days),
                    "latest": None if latest is None else latest.to_dict(now),
                }
            )
    finally:
        close_all(providers)
    if args.json:
        print(json.dumps({"providers": rows}, indent=2))
        return 0
    for row in rows:
        state = "enabled" if row["configured"] else f"left out: {row['reason']}"
        stored = f"{row['stored_days']} days stored"
        if row["latest"] is not None:
            stored += (
                f", latest {row['latest']['fetched_at']} (freshness {row['latest']['freshness']:g})"
            )
        print(f"{row['provider']} ({row['layer']}): {state}; {stored}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """One fetch of each chosen provider."""
    settings = get_settings()
    names = _chosen(settings, args.names)
    providers = build_providers(settings, names)
    try:
        readings = [providers[name].fetch() for name in names]
    finally:
        close_all(providers)
    now = now_ms()
    if args.json:
        print(json.dumps({"readings": [r.to_dict(now) for r in readings]}, indent=2))
    else:
        for reading in readings:
            print(_describe(reading, now))
    return 0 if all(reading.available for reading in readings) else 1


def poll(
    providers: dict[str, Provider],
    recorder: ProviderRecorder,
    report: dict[str, dict[str, Any]],
) -> None:
    """Fetch every provider once; record the new good readings; count into `report`."""
    for name, provider in providers.items():
        reading = provider.fetch()
        entry = report[name]
        if not reading.available:
            entry["left_out"] += 1
            entry["last_reason"] = reading.reason
            continue
        try:
            if recorder.record(reading):
                entry["recorded"] += 1
        except DataError as exc:
            entry["write_errors"] += 1
            entry["last_reason"] = exc.message


def record_loop(
    providers: dict[str, Provider],
    recorder: ProviderRecorder,
    interval_s: float,
    duration_s: float | None,
    stop: threading.Event,
    monotonic: Callable[[], float] = time.monotonic,
) -> dict[str, dict[str, Any]]:
    """Poll every `interval_s` until `duration_s` passed or `stop` is set; the report."""
    report = {
        name: {"recorded": 0, "left_out": 0, "write_errors": 0, "last_reason": None}
        for name in providers
    }
    started = monotonic()
    while not stop.is_set():
        poll(providers, recorder, report)
        remaining = None if duration_s is None else duration_s - (monotonic() - started)
        if remaining is not None and remaining <= 0:
            break
        stop.wait(interval_s if remaining is None else min(interval_s, remaining))
        if duration_s is not None and monotonic() - started >= duration_s:
            break
    return report


def cmd_record(args: argparse.Namespace) -> int:
    """Poll and record until the duration is over or Ctrl-C."""
    settings = get_settings()
    names = _chosen(settings, args.names)
    providers = {name: p for name, p in build_providers(settings, names).items() if name in names}
    interval = args.interval or settings.provider_poll_seconds
    stop = threading.Event()
    try:
        report = record_loop(
            providers, ProviderRecorder(settings.data_dir), interval, args.duration, stop
        )
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        close_all(providers)
    if args.json:
        print(json.dumps({"providers": report}, indent=2))
    else:
        for name, entry in report.items():
            line = f"{name}: recorded {entry['recorded']}, left out {entry['left_out']}"
            if entry["write_errors"]:
                line += f", write errors {entry['write_errors']}"
            if entry["last_reason"]:
                line += f" (last: {entry['last_reason']})"
            print(line)
    recorded = sum(entry["recorded"] for entry in report.values())
    write_errors = sum(entry["write_errors"] for entry in report.values())
    return 0 if recorded and not write_errors else 1


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:20]!r}") from None
    if not 0 < value <= 30 * 86_400:
        raise argparse.ArgumentTypeError("seconds must be within (0, 2592000]")
    return value


def register(subparsers: Any) -> None:
    """Add `providers status|fetch|record`."""
    parser = subparsers.add_parser(
        "providers", help="external data providers: status, one fetch, record snapshots"
    )
    commands = parser.add_subparsers(dest="providers_command", metavar="ACTION")
    commands.required = True
    status = commands.add_parser("status", help="configuration and stored snapshots")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)
    fetch = commands.add_parser("fetch", help="fetch each provider once and print it")
    fetch.add_argument("names", nargs="*", metavar="NAME", help=", ".join(PROVIDER_NAMES))
    fetch.add_argument("--json", action="store_true")
    fetch.set_defaults(handler=cmd_fetch)
    record = commands.add_parser("record", help="poll and record snapshots into data/providers")
    record.add_argument("names", nargs="*", metavar="NAME", help=", ".join(PROVIDER_NAMES))
    record.add_argument("--duration", type=_seconds, help="stop after this many seconds")
    record.add_argument("--interval", type=_seconds, help="seconds between polls")
    record.add_argument("--json", action="store_true")
    record.set_defaults(handler=cmd_record)
