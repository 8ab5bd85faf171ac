/** Formatting of the Sweep view: durations (ETA), objective values, parameter values. */
import type { Translate } from "../../i18n/I18nProvider";
import { formatNumber, formatPercent, formatSigned, formatSignedPercent } from "../../lib/format";

/** Seconds as `1 h 5 m`, `1 m 20 s` or `45 s` (units translated). */
export function formatDuration(seconds: number | null | undefined, t: Translate): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} ${t("unit.h")} ${m} ${t("unit.m")}`;
  if (m > 0) return `${m} ${t("unit.m")} ${s} ${t("unit.s")}`;
  return `${s} ${t("unit.s")}`;
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
