/**
 * What the results table shows of the stored backtests: the rows matching the filter
 * (text in pair, strategy, timeframe, notes or tags; a chosen tag), sorted by a column
 * (missing values always last, ties newest first), and the tags in use.
 */
import type { BacktestSummary, KeyMetrics } from "../api/types";
import type { MessageKey } from "../i18n/en";

export type ResultSortKey = "created_at" | "strategy" | "timeframe" | "pair" | keyof KeyMetrics;

export interface ResultSort {
  key: ResultSortKey;
  desc: boolean;
}

export const DEFAULT_SORT: ResultSort = { key: "created_at", desc: true };
/** Most results the compare view takes (the API's bound). */
export const MAX_COMPARED = 6;

/** The sortable metric columns, in table order, with their header labels. */
export const METRIC_COLUMNS: { key: keyof KeyMetrics; label: MessageKey }[] = [
  { key: "trades", label: "col.trades" },
  { key: "win_rate", label: "col.winRate" },
  { key: "net_pnl", label: "col.netPnl" },
  { key: "return_pct", label: "col.return" },
  { key: "max_drawdown_pct", label: "col.maxDd" },
  { key: "profit_factor", label: "col.pf" },
  { key: "sharpe", label: "col.sharpe" },
];

function sortValue(row: BacktestSummary, key: ResultSortKey): number | string | null {
  switch (key) {
    case "created_at":
      return Date.parse(row.created_at);
    case "strategy":
    case "timeframe":
    case "pair":
      return row[key];
    default: {
      const value = row.metrics?.[key];
      return typeof value === "number" && Number.isFinite(value) ? value : null;
    }
  }
}

/** Timeframe labels in time order (`5m` before `1h`), for sorting. */
function timeframeMinutes(label: string): number | null {
  const match = /^(\d+)([mhdwM])$/.exec(label);
  if (!match) return null;
  const size = { m: 1, h: 60, d: 1440, w: 10080, M: 43200 }[match[2] as "m" | "h" | "d" | "w" | "M"];
  return Number(match[1]) * size;
}

function compareValues(key: ResultSortKey, a: number | string, b: number | string): number {
  if (key === "timeframe") {
    const ma = timeframeMinutes(String(a));
    const mb = timeframeMinutes(String(b));
    if (ma !== null && mb !== null) return ma - mb;
  }
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
}

/** Rows ordered by `sort`; a row without a value for the column always comes last. */
export function sortResults(rows: readonly BacktestSummary[], sort: ResultSort): BacktestSummary[] {
  const newestFirst = (a: BacktestSummary, b: BacktestSummary) => Date.parse(b.created_at) - Date.parse(a.created_at);
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) return va === vb ? newestFirst(a, b) : va === null ? 1 : -1;
    const order = compareValues(sort.key, va, vb);
    return (sort.desc ? -order : order) || newestFirst(a, b);
  });
}

/** The next sort after a click on `key`: the same column flips, a new one starts
 * descending for numbers and dates, ascending for names. */
export function nextSort(current: ResultSort, key: ResultSortKey): ResultSort {
  if (current.key === key) return { key, desc: !current.desc };
  return { key, desc: !(key === "strategy" || key === "pair" || key === "timeframe") };
}

/** Rows carrying `tag` (ignoring case, when set) and containing `text` (ignoring case)
 * in their pair, strategy, timeframe, notes or tags. */
export function filterResults(rows: readonly BacktestSummary[], text: string, tag: string | null): BacktestSummary[] {
  const needle = text.trim().toLocaleLowerCase();
  const wanted = tag?.toLocaleLowerCase() ?? null;
  return rows.filter((row) => {
    const tags = row.tags ?? [];
    if (wanted !== null && !tags.some((own) => own.toLocaleLowerCase() === wanted)) return false;
    if (!needle) return true;
    return [row.pair, row.strategy, row.timeframe, row.notes ?? "", ...tags].some((field) => field.toLocaleLowerCase().includes(needle));
  });
}

/** Every tag in use (first spelling seen, ignoring case), sorted. */
export function tagsInUse(rows: readonly BacktestSummary[]): string[] {
  const seen = new Map<string, string>();
  for (const row of rows) for (const tag of row.tags ?? []) if (!seen.has(tag.toLocaleLowerCase())) seen.set(tag.toLocaleLowerCase(), tag);
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}

/** A run named in one line: `sma_cross · BTCUSDT · 15m`. */
export function runName(row: { strategy: string; pair: string; timeframe: string }): string {
  return `${row.strategy} · ${row.pair} · ${row.timeframe}`;
}
