/** Number and time formatting shared by the tables, the modal and the chart. */

const DASH = "—";

/** The one minus sign every number shows (U+2212, never the hyphen `-`). */
export const MINUS = "\u2212";

/** The quote currency of every money amount (USDT-M futures). */
export const MONEY_UNIT = "USDT";

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** One formatter per locale and count of decimals: `toLocaleString` with options builds a
 * new `Intl.NumberFormat` on every call, too slow for tables and chart axes. */
const FIXED_FORMATS = new Map<string, Intl.NumberFormat>();

function fixedFormat(locale: string, decimals: number): Intl.NumberFormat {
  const key = `${locale}|${decimals}`;
  let format = FIXED_FORMATS.get(key);
  if (!format) FIXED_FORMATS.set(key, (format = new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  return format;
}

/** A number with a fixed count of decimals in the given locale. */
export function formatNumber(value: unknown, locale: string, decimals = 2): string {
  if (!isNumber(value)) return value === null || value === undefined ? DASH : String(value);
  return withMinus(fixedFormat(locale, decimals).format(value));
}

/** A locale's text of a number with its leading hyphen-minus as `MINUS` (a rounded `-0` as `0`). */
function withMinus(text: string): string {
  if (!text.startsWith("-")) return text;
  const unsigned = text.slice(1);
  return /[1-9]/.test(unsigned) ? `${MINUS}${unsigned}` : unsigned;
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
  if (value < 0) return `${MINUS}${text}`;
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
  return withMinus(value.toLocaleString(locale, { maximumFractionDigits: 8 }));
}

/** A money amount with its currency: `1,234.50 USDT` (`signed`: `+12.34 USDT` / `−5.00 USDT`). */
export function formatMoney(value: unknown, locale: string, signed = false): string {
  if (!isNumber(value)) return formatNumber(value, locale);
  return `${signed ? formatSigned(value, locale, 2) : formatNumber(value, locale, 2)} ${MONEY_UNIT}`;
}

/** The base asset of a USDT-M symbol (`BTCUSDT` → `BTC`); the symbol itself otherwise. */
export function baseAsset(symbol: string): string {
  return symbol.endsWith(MONEY_UNIT) && symbol.length > MONEY_UNIT.length ? symbol.slice(0, -MONEY_UNIT.length) : symbol;
}

/** A quantity in the symbol's base asset: `0.012 BTC` (no unit when the symbol is unknown). */
export function formatBaseQty(value: unknown, locale: string, symbol: string | null | undefined): string {
  if (!isNumber(value)) return formatNumber(value, locale);
  return symbol ? `${formatQty(value, locale)} ${baseAsset(symbol)}` : formatQty(value, locale);
}

/** Translated unit words of a duration. */
export interface DurationUnits {
  h: string;
  m: string;
  s: string;
}

/**
 * Seconds as `5 h 42 m`, `5 h`, `15 m`, `1 m 20 s` or `45 s`: hours and minutes from an
 * hour up, minutes (and seconds when not whole) under an hour, seconds only under a minute.
 */
export function formatDuration(seconds: unknown, units: DurationUnits): string {
  if (!isNumber(seconds)) return DASH;
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} ${units.h} ${m} ${units.m}` : `${h} ${units.h}`;
  if (m > 0) return s > 0 ? `${m} ${units.m} ${s} ${units.s}` : `${m} ${units.m}`;
  return `${s} ${units.s}`;
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
