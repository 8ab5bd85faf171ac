/** Number and time formatting shared by the tables, the modal and the chart. */

const DASH = "—";

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A number with a fixed count of decimals in the given locale. */
export function formatNumber(value: unknown, locale: string, decimals = 2): string {
  if (!isNumber(value)) return value === null || value === undefined ? DASH : String(value);
  return value.toLocaleString(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A whole count. */
export function formatCount(value: unknown, locale: string): string {
  return formatNumber(value, locale, 0);
}

/** A signed money amount (P&L): `+12.34` / `−5.00`. */
export function formatSigned(value: unknown, locale: string, decimals = 2): string {
  if (!isNumber(value)) return formatNumber(value, locale, decimals);
  const text = formatNumber(Math.abs(value), locale, decimals);
  if (value > 0) return `+${text}`;
  if (value < 0) return `−${text}`;
  return text;
}

/** A value already expressed in percent (`return_pct`, `max_drawdown_pct`). */
export function formatPercent(value: unknown, locale: string, decimals = 2): string {
  return isNumber(value) ? `${formatNumber(value, locale, decimals)} %` : formatNumber(value, locale);
}

/** A signed value in percent (returns): `+1.25 %` / `−0.40 %`. */
export function formatSignedPercent(value: unknown, locale: string, decimals = 2): string {
  return isNumber(value) ? `${formatSigned(value, locale, decimals)} %` : formatNumber(value, locale);
}

/** A price with decimals suited to its magnitude. */
export function formatPrice(value: unknown, locale: string): string {
  if (!isNumber(value)) return formatNumber(value, locale);
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 1000 ? 2 : magnitude >= 1 ? 4 : 6;
  return formatNumber(value, locale, decimals);
}

/** A quantity without trailing zeros (up to 8 decimals). */
export function formatQty(value: unknown, locale: string): string {
  if (!isNumber(value)) return formatNumber(value, locale);
  return value.toLocaleString(locale, { maximumFractionDigits: 8 });
}

/** An ISO time as `YYYY-MM-DD HH:MM` in UTC. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 16).replace("T", " ");
}

/** An ISO date or time as its UTC date `YYYY-MM-DD`. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return DASH;
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

/** Epoch seconds (chart time) of an ISO time; NaN when unparsable. */
export function toEpochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Parameters as `k=v, k=v` for a table cell. */
export function formatParams(params: Record<string, unknown> | null | undefined): string {
  if (!params) return "";
  return Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === "number" ? String(value) : JSON.stringify(value)}`)
    .join(", ");
}

function isMidnight(date: Date): boolean {
  return date.getUTCHours() === 0 && date.getUTCMinutes() === 0 && date.getUTCSeconds() === 0 && date.getUTCMilliseconds() === 0;
}

/**
 * A run's period `[start, end)` as the days it covers: `2025-06-17 – 2025-06-23`
 * when both are midnights (the exclusive end shown as the last included day),
 * else as UTC times.
 */
export function formatPeriod(start: string, end: string): string {
  const from = new Date(start);
  const to = new Date(end);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return `${start} – ${end}`;
  if (isMidnight(from) && isMidnight(to)) {
    const lastDay = new Date(to.getTime() - 86_400_000).toISOString().slice(0, 10);
    return `${from.toISOString().slice(0, 10)} – ${lastDay}`;
  }
  return `${formatTime(start)} – ${formatTime(end)}`;
}
