/** Timeframes and data spans of the stored market data, shared by the forms. */
import type { MarketSymbol, TimeframeSpan } from "../api/types";

/** Timeframes offered in the forms, in this order (when the symbol can be read at them). */
export const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "4h"] as const;

/** The span of stored data of a symbol: its 1m span, else the first one listed. */
export function spanOf(symbol: MarketSymbol | undefined): TimeframeSpan | undefined {
  if (!symbol) return undefined;
  return symbol.timeframes.find((span) => span.timeframe === "1m") ?? symbol.timeframes[0];
}

/** The offered timeframes the symbol can be read at (all of them when unknown). */
export function timeframesOf(symbol: MarketSymbol | undefined): string[] {
  const readable = new Set(symbol?.timeframes.map((span) => span.timeframe) ?? []);
  const offered = TIMEFRAMES.filter((tf) => readable.has(tf));
  return offered.length > 0 ? offered : [...TIMEFRAMES];
}
