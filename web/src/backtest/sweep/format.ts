/** Formatting of the Sweep view: durations (ETA), objective values, parameter values. */
import type { Translate } from "../../i18n/I18nProvider";
import { formatDuration as formatDurationIn, formatNumber, formatPercent, formatSigned, formatSignedPercent } from "../../lib/format";

/** Seconds as `5 h 42 m`, `15 m` or `45 s` (units translated; see `lib/format`). */
export function formatDuration(seconds: number | null | undefined, t: Translate): string {
  return formatDurationIn(seconds, { h: t("unit.h"), m: t("unit.m"), s: t("unit.s") });
}

/** A value of a metric or objective, formatted as the results table shows it. */
export function formatMetric(name: string, value: unknown, locale: string): string {
  switch (name) {
    case "net_pnl":
    case "expectancy":
      return formatSigned(value, locale);
    case "return_pct":
      return formatSignedPercent(value, locale);
    case "win_rate":
      return formatPercent(value, locale, 1);
    case "max_drawdown_pct":
      return formatPercent(value, locale);
    case "trades":
      return formatNumber(value, locale, 0);
    default:
      return formatNumber(value, locale);
  }
}

/** A parameter value as the grid writes it (`5`, `0.5`, `true`). */
export function formatValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return value === null || value === undefined ? "—" : String(value);
}

/** The CSS class of a signed value (green profit, red loss). */
export function signClass(value: unknown, base = "num"): string {
  if (typeof value !== "number" || value === 0 || !Number.isFinite(value)) return base;
  return `${base} ${value > 0 ? "pos" : "neg"}`.trim();
}
