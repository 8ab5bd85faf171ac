/**
 * What the price chart of a result loads besides the result itself: the run's candles and
 * the strategy's overlays. The details dialog starts both requests when it opens, from what
 * the results-table row already knows (pair, timeframe, period), so they run while the large
 * result document is still on its way; the chart draws as soon as both have arrived.
 */
import { useEffect, useState } from "react";

import { ApiError, getCandles, getOverlays } from "../api/client";
import type { Candle, Overlays } from "../api/types";

/** The span of candles a chart shows: a pair at a timeframe over `[start, end)` (ISO UTC). */
export interface ChartSpan {
  pair: string;
  timeframe: string;
  start: string;
  end: string;
}

/** The candles (null while loading) and overlays of one chart, with their load errors. */
export interface ChartFeed {
  candles: Candle[] | null;
  error: string | null;
  overlays: Overlays | null;
  overlayError: string | null;
}

function message(reason: unknown): string | null {
  if (reason instanceof DOMException && reason.name === "AbortError") return null;
  return reason instanceof ApiError ? reason.message : String(reason);
}

/** An instant as epoch milliseconds, so `2025-05-25T00:00:00Z` and `…+00:00` are one key. */
function instant(iso: string): number | string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : ms;
}

/** Load the candles of `span` and the overlays of backtest `backtestId` (nothing while
 * `span` is null: a run without a result). A later `span` naming the same pair, timeframe
 * and instants (the result's own fields once it arrives) keeps what is loaded or loading:
 * nothing is fetched twice. */
export function useChartFeed(backtestId: string, span: ChartSpan | null): ChartFeed {
  const [candles, setCandles] = useState<Candle[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [overlays, setOverlays] = useState<Overlays | null>(null);
  const [overlayError, setOverlayError] = useState<string | null>(null);
  const enabled = span !== null;
  const { pair, timeframe, start, end } = span ?? { pair: "", timeframe: "", start: "", end: "" };
  const from = instant(start);
  const to = instant(end);

  useEffect(() => {
    setCandles(null);
    setError(null);
    if (!enabled) return undefined;
    const controller = new AbortController();
    getCandles(pair, timeframe, start, end, controller.signal)
      .then(setCandles)
      .catch((reason: unknown) => setError(message(reason)));
    return () => controller.abort();
  }, [enabled, pair, timeframe, from, to]); // `start`/`end` only through the instants they name

  useEffect(() => {
    setOverlays(null);
    setOverlayError(null);
    if (!enabled) return undefined;
    const controller = new AbortController();
    getOverlays(backtestId, controller.signal)
      .then(setOverlays)
      .catch((reason: unknown) => setOverlayError(message(reason)));
    return () => controller.abort();
  }, [enabled, backtestId]);

  return { candles, error, overlays, overlayError };
}
