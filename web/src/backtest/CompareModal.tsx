/**
 * Several results side by side (`GET /backtests/compare`): one column per result with
 * its key metrics (the best value of each row highlighted when it can be told apart,
 * "—" where there is nothing to measure) and their equity curves overlaid, normalised.
 */
import { useEffect, useState } from "react";

import { ApiError, compareBacktests } from "../api/client";
import type { ComparedRun } from "../api/types";
import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { formatPeriod } from "../lib/format";
import { CompareChart, RUN_COLORS } from "./CompareChart";
import { formatMetric, humanize, measuredValue, metricLabelKey, type MetricFormat } from "./metrics";
import { TagChips } from "./ResultsTable";
import { runName } from "./resultsView";

type Better = "high" | "low" | null;

/** The compared metrics, in order; `better` says which way is best (null: neither). */
const ROWS: { key: string; format: MetricFormat; better: Better }[] = [
  { key: "trades", format: "count", better: null },
  { key: "win_rate", format: "percent", better: "high" },
  { key: "net_pnl", format: "signed", better: "high" },
  { key: "return_pct", format: "signedPercent", better: "high" },
  { key: "final_equity", format: "money", better: "high" },
  { key: "profit_factor", format: "ratio", better: "high" },
  { key: "expectancy", format: "signed", better: "high" },
  { key: "sharpe", format: "ratio", better: "high" },
  { key: "sortino", format: "ratio", better: "high" },
  { key: "max_drawdown_pct", format: "percent", better: "low" },
  { key: "exposure_pct", format: "percent", better: null },
  { key: "avg_hold_minutes", format: "minutes", better: null },
  { key: "fees", format: "money", better: "low" },
  { key: "funding", format: "signed", better: "low" }, // funding paid: a cost
];

/** The best of `values` (null when fewer than two can be compared or all are equal). */
export function bestValue(values: (number | null | undefined)[], better: Better): number | null {
  const finite = values.filter((value): value is number => typeof value === "number" && Number.isFinite(value));
  if (better === null || finite.length < 2) return null;
  const best = better === "high" ? Math.max(...finite) : Math.min(...finite);
  return finite.every((value) => value === best) ? null : best;
}

interface CompareModalProps {
  ids: string[];
  onClose: () => void;
}

export function CompareModal({ ids, onClose }: CompareModalProps) {
  const { t, locale } = useI18n();
  const [runs, setRuns] = useState<ComparedRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = ids.join(",");

  useEffect(() => {
    const controller = new AbortController();
    setRuns(null);
    setError(null);
    compareBacktests(key.split(","), controller.signal)
      .then(setRuns)
      .catch((reason: unknown) => {
        if (reason instanceof DOMException && reason.name === "AbortError") return;
        setError(reason instanceof ApiError ? reason.message : String(reason));
      });
    return () => controller.abort();
  }, [key]);

  const units = { h: t("unit.h"), m: t("unit.m"), s: t("unit.s") };
  const names = (runs ?? []).map((run, index) => `#${index + 1} ${runName(run.summary)}`);
  let body;
  if (error !== null) body = <Notice kind="error" testId="compare-error">{t("compare.error", { error })}</Notice>;
  else if (runs === null) body = <p className="muted">{t("compare.loading")}</p>;
  else
    body = (
      <>
        <section aria-labelledby="sec-compare-metrics">
          <h3 id="sec-compare-metrics">{t("compare.metrics")}</h3>
          <table className="table table-compact compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">{t("compare.metric")}</th>
                {runs.map(({ summary }, index) => (
                  <th key={summary.id} scope="col" className="num" data-testid="compare-column" data-id={summary.id}>
                    <span className="legend-swatch" style={{ background: RUN_COLORS[index % RUN_COLORS.length] }} aria-hidden="true" />
                    {names[index]}
                    <div className="muted small compare-sub">{formatPeriod(summary.start, summary.end)}</div>
                    <TagChips tags={summary.tags ?? []} className="compare-sub" />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ROWS.map((row) => {
                const values = runs.map((run) => {
                  const value = measuredValue(row.key, run.metrics);
                  return typeof value === "number" ? value : null;
                });
                const best = bestValue(values, row.better);
                const label = metricLabelKey(row.key);
                return (
                  <tr key={row.key} data-metric={row.key}>
                    <th scope="row">{label ? t(label) : humanize(row.key)}</th>
                    {values.map((value, index) => {
                      const isBest = best !== null && value === best;
                      return (
                        <td key={runs[index]?.summary.id ?? index} className={isBest ? "num best" : "num"} data-best={isBest}>
                          {formatMetric(value, row.format, locale, units)}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="muted small">{t("compare.bestHelp")}</p>
        </section>
        <section aria-labelledby="sec-compare-chart">
          <h3 id="sec-compare-chart">{t("compare.chart")}</h3>
          <CompareChart runs={runs} names={names} />
        </section>
      </>
    );

  return (
    <Modal title={t("compare.title")} subtitle={t("compare.subtitle", { n: ids.length })} closeLabel={t("modal.close")} onClose={onClose} testId="compare-modal">
      {body}
    </Modal>
  );
}
