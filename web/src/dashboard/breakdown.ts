/**
 * A signal's `breakdown` (`{feature: value}`) as table rows. A feature named
 * `x_score` is the sub-score of `x`: when both are present they make one row
 * (raw value and sub-score side by side); a `x_score` without an `x` is a feature
 * of its own. Rows keep the strategy's order.
 */

/** The suffix naming a feature's sub-score. */
export const SUB_SCORE = "_score";

export interface BreakdownRow {
  feature: string;
  value: number;
  /** The feature's sub-score (`feature_score`), when the strategy reported one. */
  score: number | null;
}

export function breakdownRows(breakdown: Readonly<Record<string, number>> | null | undefined): BreakdownRow[] {
  if (!breakdown) return [];
  const rows: BreakdownRow[] = [];
  for (const [feature, value] of Object.entries(breakdown)) {
    if (feature.endsWith(SUB_SCORE)) {
      const base = feature.slice(0, -SUB_SCORE.length);
      if (base && base in breakdown) continue; // shown on its feature's row
    }
    const score = breakdown[feature + SUB_SCORE];
    rows.push({ feature, value, score: typeof score === "number" ? score : null });
  }
  return rows;
}
