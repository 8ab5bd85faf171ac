/**
 * Where a form's date range stands against a pair's stored data, before anything runs:
 * inside it, sticking out of it (the run is clamped to the stored part, as the server's
 * `allow_partial` does), or wholly outside it (refused). Ranges are inclusive UTC days;
 * the stored span runs from its first bar's open to the close of its last bar.
 */
import type { MarketSymbol, TimeframeSpan } from "../api/types";
import { addDays, isDate, utcDate } from "../lib/dates";
import { spanOf } from "../lib/market";
import { timeframeSeconds } from "../lib/timeframes";

/** The stored span of `symbol` at `timeframe` (else its 1m span). */
export function spanAt(symbol: MarketSymbol | undefined, timeframe: string): TimeframeSpan | undefined {
  return symbol?.timeframes.find((span) => span.timeframe === timeframe) ?? spanOf(symbol);
}

export type RangeFit =
  | { kind: "inside" }
  /** Part of the range is stored: the run plays `from` → `to` (inclusive days). */
  | { kind: "clamped"; from: string; to: string; first: string; last: string }
  /** Nothing of the range is stored; the store holds `first` → `last`. */
  | { kind: "outside"; first: string; last: string };

/** How `[start, end]` (inclusive days) fits the stored `span`; null while unknown or invalid. */
export function rangeFit(start: string, end: string, span: TimeframeSpan | undefined, timeframe: string): RangeFit | null {
  if (!span || !isDate(start) || !isDate(end) || end < start) return null;
  const firstMs = Date.parse(span.first);
  const step = timeframeSeconds(timeframe) * 1000;
  const endMs = Date.parse(span.last) + (Number.isFinite(step) && step > 0 ? step : 1);
  if (!Number.isFinite(firstMs) || !Number.isFinite(endMs)) return null;
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const stopMs = Date.parse(`${addDays(end, 1)}T00:00:00Z`);
  const first = utcDate(firstMs);
  const last = utcDate(endMs - 1);
  if (stopMs <= firstMs || startMs >= endMs) return { kind: "outside", first, last };
  if (startMs >= firstMs && stopMs <= endMs) return { kind: "inside" };
  return { kind: "clamped", from: startMs < firstMs ? first : start, to: stopMs > endMs ? last : end, first, last };
}
