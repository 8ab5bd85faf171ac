/** Timeframe arithmetic of the charts (bars are UTC buckets labelled by their open time). */

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in one bar of `timeframe` (`1m`, `15m`, `4h`, `1d`, ...); NaN when unknown. */
export function timeframeSeconds(timeframe: string): number {
  const match = /^(\d+)([mhdw])$/.exec(timeframe);
  if (!match) return Number.NaN;
  return Number(match[1]) * (UNIT_SECONDS[match[2] ?? ""] ?? Number.NaN);
}

/** The open time (epoch seconds) of the bar of `stepSeconds` holding `epochSeconds`. */
export function barOpen(epochSeconds: number, stepSeconds: number): number {
  if (!Number.isFinite(stepSeconds) || stepSeconds <= 0) return epochSeconds;
  return Math.floor(epochSeconds / stepSeconds) * stepSeconds;
}

/** An epoch-seconds instant as an ISO-8601 UTC time (an API query bound). */
export function isoOfSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
