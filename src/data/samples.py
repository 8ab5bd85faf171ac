"""The bundled real-data sample (`data/samples/`) and how a fresh install gets it.

The sample is 7 full UTC days of BTCUSDT and ETHUSDT USDT-M 1m klines, their
funding settlements for that week (plus the one before it) and a recorded
`/fapi/v1/exchangeInfo` (2021 rules). `ensure_samples` imports it into an
empty store so the platform has something to backtest out of the box;
`build_sample_files` regenerates the files from the shared real-data
directory (see `data/samples/PROVENANCE.md`).
"""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from scalplab.data.candles import CandleStore
from scalplab.data.csv_import import ImportReport, import_funding_csv, import_klines_csv
from scalplab.data.funding import FundingStore
from scalplab.data.symbols import RulesStore
from scalplab.data.timeframes import MINUTE_MS
from scalplab.errors import DataError, NotFoundError

SAMPLE_SYMBOLS = ("BTCUSDT", "ETHUSDT")
SAMPLE_DAYS = 7
EXCHANGE_INFO_NAME = "fapi_v1_exchangeInfo_2021-07-22.json"
DAY_MS = 86_400_000
BARS_PER_DAY = DAY_MS // MINUTE_MS


def default_samples_dir() -> Path:
    """`<repo>/data/samples` (this file is `<repo>/src/data/samples.py`)."""
    return Path(__file__).resolve().parents[2] / "data" / "samples"


@dataclass(frozen=True, slots=True)
class SampleImport:
    """What `import_samples` loaded."""

    candles: list[ImportReport] = field(default_factory=list)
    funding: list[ImportReport] = field(default_factory=list)
    rules: int = 0
    """Symbols written to the rules cache (0 when a cache already existed)."""


def _kline_files(samples_dir: Path) -> list[tuple[Path, str, str]]:
    """`(path, symbol, tf)` of every `klines/{SYMBOL}-{tf}.csv[.gz]` sample."""
    found = []
    for path in sorted((samples_dir / "klines").glob("*.csv*")):
        stem = path.name.split(".", 1)[0]
        symbol, _, tf = stem.partition("-")
        if symbol and tf:
            found.append((path, symbol, tf))
    return found


def import_samples(
    data_dir: Path, samples_dir: Path | None = None, exchange: str = "binance"
) -> SampleImport:
    """Import every bundled sample file into the stores under `data_dir`.

    Candles and funding are merged (re-importing is harmless); the rules cache
    is written only when none exists, so real, newer rules are never replaced
    by the 2021 sample.
    """
    source = Path(samples_dir) if samples_dir is not None else default_samples_dir()
    klines = _kline_files(source)
    if not klines:
        raise NotFoundError(f"no bundled sample klines under {source / 'klines'}")
    candles = CandleStore(data_dir, exchange)
    funding = FundingStore(data_dir, exchange)
    rules = RulesStore(data_dir, exchange)
    candle_reports = [import_klines_csv(path, sym, tf, candles) for path, sym, tf in klines]
    funding_reports = [
        import_funding_csv(path, path.name.split(".", 1)[0], funding)
        for path in sorted((source / "funding").glob("*.csv*"))
    ]
    saved = 0
    info_path = source / "rest" / EXCHANGE_INFO_NAME
    if info_path.is_file() and not rules.exists():
        try:
            payload = json.loads(info_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"the sample {EXCHANGE_INFO_NAME}: invalid JSON ({exc})") from None
        saved = rules.save_exchange_info(payload)
    return SampleImport(candles=candle_reports, funding=funding_reports, rules=saved)


def ensure_samples(data_dir: Path, samples_dir: Path | None = None) -> bool:
    """Import the bundled sample when the candle store is empty; True when it did."""
    if CandleStore(data_dir).has_candles():
        return False
    import_samples(data_dir, samples_dir)
    return True


def _last_full_days(lines: list[str], days: int) -> tuple[int, int]:
    """`[start, end)` ms of the last `days` complete UTC days in 1m kline CSV lines."""
    per_day: dict[int, int] = {}
    for line in lines:
        day = int(line.split(",", 1)[0]) // DAY_MS
        per_day[day] = per_day.get(day, 0) + 1
    full = sorted(day for day, count in per_day.items() if count == BARS_PER_DAY)
    if not full:
        raise DataError("no complete UTC day in the source klines")
    last = full[-1]
    wanted = list(range(last - days + 1, last + 1))
    if any(per_day.get(day) != BARS_PER_DAY for day in wanted):
        raise DataError(f"the last {days} days of the source klines are not all complete")
    return wanted[0] * DAY_MS, (last + 1) * DAY_MS


def build_sample_files(
    real_dir: Path,
    out_dir: Path,
    symbols: tuple[str, ...] = SAMPLE_SYMBOLS,
    days: int = SAMPLE_DAYS,
) -> dict[str, tuple[int, int, int, int]]:
    """Regenerate the sample files from the shared real-data directory.

    Lines are copied verbatim (no re-formatting of numbers); the kline CSVs are
    gzipped deterministically (mtime 0). Returns, per symbol,
    `(start_ms, end_ms, kline_rows, funding_rows)`.
    """
    summary: dict[str, tuple[int, int, int, int]] = {}
    (out_dir / "klines").mkdir(parents=True, exist_ok=True)
    (out_dir / "funding").mkdir(parents=True, exist_ok=True)
    (out_dir / "rest").mkdir(parents=True, exist_ok=True)
    for symbol in symbols:
        source = (real_dir / "klines" / "um" / symbol / "1m.csv").read_text(encoding="utf-8")
        header, *lines = source.splitlines()
        start, end = _last_full_days(lines, days)
        kept = [line for line in lines if start <= int(line.split(",", 1)[0]) < end]
        text = "\n".join([header, *kept]) + "\n"
        with (
            open(out_dir / "klines" / f"{symbol}-1m.csv.gz", "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(text.encode("utf-8"))
        funding_src = (real_dir / "funding" / f"{symbol}.csv").read_text(encoding="utf-8")
        f_header, *f_lines = funding_src.splitlines()
        stamps = [int(line.split(",")[1]) for line in f_lines]
        inside = [i for i, stamp in enumerate(stamps) if start <= stamp < end]
        earlier = [i for i, stamp in enumerate(stamps) if stamp < start]
        chosen = ([earlier[-1]] if earlier else []) + inside
        (out_dir / "funding" / f"{symbol}.csv").write_text(
            "\n".join([f_header, *(f_lines[i] for i in chosen)]) + "\n", encoding="utf-8"
        )
        summary[symbol] = (start, end, len(kept), len(chosen))
    shutil.copyfile(real_dir / "rest" / EXCHANGE_INFO_NAME, out_dir / "rest" / EXCHANGE_INFO_NAME)
    return summary
