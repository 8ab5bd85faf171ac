/** Calendar-date helpers for the backtest range (all dates are UTC `YYYY-MM-DD`). */

const DAY_MS = 86_400_000;

export const MIN_RANGE_DAYS = 1;
export const MAX_RANGE_DAYS = 30;

/** The UTC calendar date of an ISO time (or of epoch milliseconds). */
export function utcDate(value: string | number | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 10);
}

/** Whether `value` is a real `YYYY-MM-DD` date. */
export function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && utcDate(`${value}T00:00:00Z`) === value;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}

/** Number of calendar days from `start` to `end`, both included. */
export function daysInclusive(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The last `days` calendar days of a stored span (never before its first day). */
export function lastDaysOf(first: string, last: string, days: number): { start: string; end: string } {
  const end = utcDate(last);
  const firstDay = utcDate(first);
  const start = addDays(end, -(days - 1));
  return { start: firstDay && start < firstDay ? firstDay : start, end };
}
