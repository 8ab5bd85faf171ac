/**
 * How the detailed statistics present `result.metrics`: known keys grouped
 * and formatted, nested counts (exits by reason) as sub-lists, anything else
 * listed under "other" so no metric is ever hidden.
 */
import { en, type MessageKey } from "../i18n/en";
import {
  formatCount,
  formatDuration,
  formatMoney,
  formatNumber,
  formatPercent,
  formatSignedPercent,
  type DurationUnits,
} from "../lib/format";

export type MetricFormat = "count" | "money" | "signed" | "percent" | "signedPercent" | "ratio" | "minutes";

export interface MetricSpec {
  key: string;
  format: MetricFormat;
  /** Green when positive, red when negative (profit-like values only). */
  tone?: boolean;
}

export const PERFORMANCE: MetricSpec[] = [
  { key: "trades", format: "count" },
  { key: "wins", format: "count" },
  { key: "losses", format: "count" },
  { key: "win_rate", format: "percent" },
  { key: "net_pnl", format: "signed", tone: true },
  { key: "return_pct", format: "signedPercent", tone: true },
  { key: "initial_capital", format: "money" },
  { key: "final_equity", format: "money" },
  { key: "gross_profit", format: "money" },
  { key: "gross_loss", format: "money" },
  { key: "profit_factor", format: "ratio" },
  { key: "expectancy", format: "signed", tone: true },
  { key: "avg_win", format: "signed", tone: true },
  { key: "avg_loss", format: "signed", tone: true },
  { key: "sharpe", format: "ratio" },
  { key: "sortino", format: "ratio" },
  { key: "max_drawdown_pct", format: "percent" },
  { key: "exposure_pct", format: "percent" },
  { key: "avg_hold_minutes", format: "minutes" },
  { key: "bars", format: "count" },
];

export const COSTS: MetricSpec[] = [
  { key: "fees", format: "money" },
  { key: "slippage", format: "money" },
  { key: "funding", format: "signed" },
  { key: "funding_default_instants", format: "count" },
];

export const SIGNALS: MetricSpec[] = [
  { key: "signals_generated", format: "count" },
  { key: "signals_accepted", format: "count" },
  { key: "signals_rejected", format: "count" },
  { key: "signals_blocked", format: "count" },
  { key: "signals_dropped", format: "count" },
];

/** Prefix of flat exit-count keys (`exits_tp`) and name of a nested exit map (`exits`). */
export const EXIT_PREFIXES = ["exits_", "exit_"];
export const EXIT_MAPS = ["exits", "exits_by_reason", "exit_reasons"];
export const EXIT_REASONS = ["tp", "sl", "liquidation", "end", "max_hold", "signal", "manual"] as const;

/** The label key of a metric when one exists. */
export function metricLabelKey(key: string): MessageKey | null {
  const candidate = `metric.${key}`;
  return candidate in en ? (candidate as MessageKey) : null;
}

/** A metric key shown as words when there is no translation (`avg_win` → `avg win`). */
export function humanize(key: string): string {
  return key.replace(/_/g, " ");
}

/** Metrics that measure nothing when the count they average over is 0 (shown "—", not 0.00). */
const MEASURED_OVER: Record<string, string> = {
  win_rate: "trades",
  expectancy: "trades",
  avg_hold_minutes: "trades",
  avg_win: "wins",
  avg_loss: "losses",
};

/** A metric's value, or null when there is nothing to measure (no trades, no wins, no losses). */
export function measuredValue(key: string, metrics: Record<string, unknown>): unknown {
  const over = MEASURED_OVER[key];
  return over !== undefined && metrics[over] === 0 ? null : metrics[key];
}

/** Format one metric value (`units`: the words of a duration, for `minutes`). */
export function formatMetric(value: unknown, format: MetricFormat, locale: string, units?: DurationUnits): string {
  if (typeof value !== "number") {
    if (value === null || value === undefined) return "—";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  switch (format) {
    case "count":
      return formatCount(value, locale);
    case "money":
      return formatMoney(value, locale);
    case "signed":
      return formatMoney(value, locale, true);
    case "percent":
      return formatPercent(value, locale, 2);
    case "signedPercent":
      return formatSignedPercent(value, locale, 2);
    case "ratio":
      return formatNumber(value, locale, 2);
    case "minutes":
      return units ? formatDuration(value * 60, units) : formatNumber(value, locale, 1);
  }
}

/** Exit counts by reason, from a nested map or from flat `exits_<reason>` keys. */
export function exitCounts(metrics: Record<string, unknown>): { counts: Record<string, number>; used: string[] } {
  const counts: Record<string, number> = {};
  const used: string[] = [];
  for (const name of EXIT_MAPS) {
    const nested = metrics[name];
    if (nested !== null && typeof nested === "object") {
      used.push(name);
      for (const [reason, count] of Object.entries(nested as Record<string, unknown>)) {
        if (typeof count === "number") counts[reason] = count;
      }
    }
  }
  for (const [key, value] of Object.entries(metrics)) {
    const prefix = EXIT_PREFIXES.find((p) => key.startsWith(p));
    if (prefix && typeof value === "number") {
      counts[key.slice(prefix.length)] = value;
      used.push(key);
    }
  }
  return { counts, used };
}
