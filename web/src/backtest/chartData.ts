/**
 * What the price chart draws, prepared from a result: candles, each trade's entry → exit
 * with the stop-loss and take-profit of the signal that opened it, merged trade markers
 * (one per bar and kind, with a count) and the colours of the strategy's overlays.
 */
import {
  type CandlestickData,
  type ChartOptions,
  ColorType,
  CrosshairMode,
  type DeepPartial,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";

import type { BacktestResult, Candle, Trade } from "../api/types";
import { formatPrice, toEpochSeconds } from "../lib/format";

export const COLORS = {
  background: "#0d1117",
  text: "#9aa7b4",
  grid: "#1c232c",
  border: "#2a3440",
  up: "#26a69a",
  down: "#ef5350",
  long: "#3fb950",
  short: "#f85149",
  mixed: "#d29922",
  equity: "#58a6ff",
  stop: "#f85149",
  target: "#3fb950",
  focus: "rgba(88, 166, 255, 0.14)",
};

/** The candlestick series' colours. */
export const CANDLE_STYLE = {
  upColor: COLORS.up,
  downColor: COLORS.down,
  borderVisible: false,
  wickUpColor: COLORS.up,
  wickDownColor: COLORS.down,
};

/** The dark chart look, UTC time axis, and prices in `locale` with thousands separators. */
export function chartOptions(locale: string): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: COLORS.background },
      textColor: COLORS.text,
      fontFamily: "inherit",
      panes: { separatorColor: COLORS.border, separatorHoverColor: "rgba(88, 166, 255, 0.15)", enableResize: true },
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: COLORS.border },
    timeScale: { borderColor: COLORS.border, timeVisible: true, secondsVisible: false },
    localization: { locale, priceFormatter: (price: number) => formatPrice(price, locale) },
  };
}

/** Line colours of known overlay codes; other codes take the palette in turn. */
const LINE_COLORS: Record<string, string> = { sma_fast: "#f2cc60", sma_slow: "#bc8cff" };
const PALETTE = ["#f2cc60", "#bc8cff", "#ff9bce", "#56d4dd", "#e3b341"];

/** Fill and edge of known zone kinds (bullish green/blue, bearish red/amber). */
const ZONE_COLORS: Record<string, [string, string]> = {
  order_block_bull: ["rgba(63, 185, 80, 0.16)", "rgba(63, 185, 80, 0.55)"],
  order_block_bear: ["rgba(248, 81, 73, 0.16)", "rgba(248, 81, 73, 0.55)"],
  fvg_bull: ["rgba(88, 166, 255, 0.16)", "rgba(88, 166, 255, 0.5)"],
  fvg_bear: ["rgba(210, 153, 34, 0.18)", "rgba(210, 153, 34, 0.55)"],
};
const OTHER_ZONE: [string, string] = ["rgba(154, 167, 180, 0.14)", "rgba(154, 167, 180, 0.45)"];

export function lineColor(code: string, index: number): string {
  return LINE_COLORS[code] ?? PALETTE[index % PALETTE.length] ?? "#f2cc60";
}

export function zoneColors(kind: string): [string, string] {
  return ZONE_COLORS[kind] ?? OTHER_ZONE;
}

/** Points sorted by time with one value per instant (the last one wins), as the chart requires. */
export function uniqueByTime<T extends { time: Time }>(points: T[]): T[] {
  let ascending = true;
  for (let i = 1; i < points.length && ascending; i += 1) ascending = (points[i - 1]?.time as number) < (points[i]?.time as number);
  if (ascending) return points; // as stored: nothing to sort or merge
  const byTime = new Map<number, T>();
  for (const point of points) byTime.set(point.time as number, point);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, point]) => point);
}

export function candleData(candles: Candle[]): CandlestickData<Time>[] {
  return uniqueByTime(
    candles.map((c) => ({ time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close })),
  );
}

export function equityData(equity: [string, number][]): LineData<Time>[] {
  return uniqueByTime(
    equity
      .map(([iso, value]) => ({ time: toEpochSeconds(iso) as UTCTimestamp, value }))
      .filter((point) => Number.isFinite(point.time as number) && Number.isFinite(point.value)),
  );
}

/** One trade as drawn: its row index, times in epoch seconds, prices and the levels of the
 * signal that opened it (null when the result does not hold that signal). */
export interface TradePath {
  index: number;
  side: "long" | "short";
  entry: number;
  exit: number;
  entryPrice: number;
  exitPrice: number;
  stop: number | null;
  target: number | null;
  pnl: number;
  reason: string;
}

/** The index of the first value of `sorted` that is ≥ `value` (`sorted.length` if none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Each trade with the stop and target of the accepted signal that opened it: the latest
 * accepted signal of its side on a bar before its entry bar (the entry fills on the next bar). */
export function tradePaths(trades: Trade[], signals: BacktestResult["signals"]): TradePath[] {
  const accepted = (signals ?? [])
    .filter((s) => s.status === "accepted")
    .map((s) => ({ time: toEpochSeconds(s.time), side: s.side, stop: s.stop_loss, target: s.take_profit }))
    .sort((a, b) => a.time - b.time);
  const bySide = { long: accepted.filter((s) => s.side === "long"), short: accepted.filter((s) => s.side === "short") };
  const times = { long: bySide.long.map((s) => s.time), short: bySide.short.map((s) => s.time) };
  return trades.map((trade, index) => {
    const entry = toEpochSeconds(trade.entry_time);
    const found = lowerBound(times[trade.side], entry) - 1;
    const signal = found >= 0 ? bySide[trade.side][found] : undefined;
    return {
      index,
      side: trade.side,
      entry,
      exit: toEpochSeconds(trade.exit_time),
      entryPrice: trade.entry_price,
      exitPrice: trade.exit_price,
      stop: signal?.stop ?? null,
      target: signal?.target ?? null,
      pnl: trade.pnl,
      reason: trade.exit_reason,
    };
  });
}

/** Trades entering and exiting on each bar (epoch seconds), for the hover legend. */
export interface BarTrades {
  entries: TradePath[];
  exits: TradePath[];
}

export function tradesByBar(paths: TradePath[]): Map<number, BarTrades> {
  const bars = new Map<number, BarTrades>();
  const at = (time: number) => {
    let bar = bars.get(time);
    if (!bar) bars.set(time, (bar = { entries: [], exits: [] }));
    return bar;
  };
  for (const path of paths) {
    at(path.entry).entries.push(path);
    at(path.exit).exits.push(path);
  }
  return bars;
}

/** Marker labels in the reader's language. */
export interface MarkerLabels {
  long: string;
  short: string;
  reason: (code: string) => string;
  count: (label: string, n: number) => string;
}

/** One marker per bar and kind (a long entry, a short entry, a long exit, a short exit): entries
 * on the side a trade starts from (long below the bar, short above), exits on the other; several
 * on one bar merge into one with a count, coloured by P&L (amber when mixed). Sorted by time. */
export function tradeMarkers(paths: TradePath[], labels: MarkerLabels): SeriesMarker<Time>[] {
  const groups = new Map<string, { time: number; kind: string; paths: TradePath[] }>();
  const add = (time: number, kind: string, path: TradePath) => {
    if (!Number.isFinite(time)) return;
    const key = `${time}:${kind}`;
    const group = groups.get(key);
    if (group) group.paths.push(path);
    else groups.set(key, { time, kind, paths: [path] });
  };
  for (const path of paths) {
    add(path.entry, `entry-${path.side}`, path);
    add(path.exit, `exit-${path.side}`, path);
  }
  const markers: SeriesMarker<Time>[] = [];
  for (const { time, kind, paths: group } of groups.values()) {
    const long = kind.endsWith("long");
    const entry = kind.startsWith("entry");
    const n = group.length;
    const reasons = new Set(group.map((p) => p.reason));
    const label = entry ? (long ? labels.long : labels.short) : reasons.size === 1 ? labels.reason(group[0]?.reason ?? "") : "";
    const wins = group.filter((p) => p.pnl >= 0).length;
    markers.push({
      time: time as UTCTimestamp,
      position: long === entry ? "belowBar" : "aboveBar",
      shape: entry ? (long ? "arrowUp" : "arrowDown") : "circle",
      color: entry ? (long ? COLORS.long : COLORS.short) : wins === n ? COLORS.long : wins === 0 ? COLORS.short : COLORS.mixed,
      text: n > 1 ? labels.count(label, n).trim() : label,
      id: `${kind}:${time}`,
    });
  }
  return markers.sort((a, b) => (a.time as number) - (b.time as number));
}
