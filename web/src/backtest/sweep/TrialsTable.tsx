/**
 * The screened trials of a sweep: one column per swept parameter, the objective and
 * the key metrics, sortable by a click on a header (again: the other way round); a
 * ✓ / ✗ where Backtrader re-ran the trial; a failed trial shows its error. Each row
 * can be opened as a backtest.
 */
import { useMemo, useState } from "react";

import type { SweepTrial, TrialScore } from "../../api/types";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { formatMetric, formatValue, signClass } from "./format";
import { trialKey, verificationMarks } from "./summary";

type MetricKey = "trades" | "net_pnl" | "return_pct" | "max_drawdown_pct" | "profit_factor" | "sharpe" | "win_rate";
export type SortKey = "objective" | "number" | MetricKey | `param:${string}`;

const METRICS: { key: MetricKey; label: MessageKey }[] = [
  { key: "trades", label: "col.trades" },
  { key: "net_pnl", label: "col.netPnl" },
  { key: "return_pct", label: "col.return" },
  { key: "max_drawdown_pct", label: "col.maxDd" },
  { key: "profit_factor", label: "col.pf" },
  { key: "sharpe", label: "sweep.col.sharpe" },
  { key: "win_rate", label: "col.winRate" },
];
const SIGNED = new Set<string>(["net_pnl", "return_pct"]);
/** Rows rendered at first (a large sweep has many thousand trials). */
const PAGE = 100;

function sortValue(trial: SweepTrial, key: SortKey): number | string | null {
  if (key === "objective") return trial.objective ?? null;
  if (key === "number") return trial.window * 1_000_000 + trial.number;
  if (key.startsWith("param:")) {
    const value = trial.params[key.slice(6)];
    if (typeof value === "boolean") return value ? 1 : 0;
    return value === undefined || value === null ? null : value;
  }
  const score = trial.score;
  const value = score?.[key as keyof TrialScore];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Trials ordered by `key` (`desc`: largest first); missing values always last. */
export function sortTrials(trials: readonly SweepTrial[], key: SortKey, desc: boolean): SweepTrial[] {
  return [...trials].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null && vb === null) return a.window - b.window || a.number - b.number;
    if (va === null) return 1;
    if (vb === null) return -1;
    const order = typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
    return (desc ? -order : order) || a.window - b.window || a.number - b.number;
  });
}

interface TrialsTableProps {
  trials: SweepTrial[] | null;
  verify: SweepTrial[] | null;
  swept: string[];
  objective: string;
  maximize: boolean;
  windowed: boolean;
  /** The walk-forward windows the trials belong to (a filter is offered when several). */
  windows: number[];
  onOpen: (trial: SweepTrial) => void;
}

export function TrialsTable({ trials, verify, swept, objective, maximize, windowed, windows, onOpen }: TrialsTableProps) {
  const { t, locale } = useI18n();
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "objective", desc: maximize });
  const [shown, setShown] = useState(PAGE);
  const marks = useMemo(() => verificationMarks(verify), [verify]);
  const [only, setOnly] = useState<number | null>(null);
  const sorted = useMemo(
    () => sortTrials((trials ?? []).filter((trial) => only === null || trial.window === only), sort.key, sort.desc),
    [trials, sort, only],
  );

  const header = (key: SortKey, label: string, numeric: boolean) => {
    const active = sort.key === key;
    return (
      <th
        key={key}
        scope="col"
        className={numeric ? "num" : undefined}
        aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"}
        data-sort={key}
      >
        <button
          type="button"
          className={active ? "sort-button active" : "sort-button"}
          onClick={() => {
            setSort((prev) => (prev.key === key ? { key, desc: !prev.desc } : { key, desc: key === "objective" ? maximize : true }));
            setShown(PAGE);
          }}
          title={t("sweep.sortBy", { column: label })}
        >
          {label}
          <span className="sort-mark" aria-hidden="true">
            {active ? (sort.desc ? " ▼" : " ▲") : ""}
          </span>
        </button>
      </th>
    );
  };

  const columns = (windowed ? 1 : 0) + 2 + swept.length + 1 + METRICS.length + 2;
  return (
    <div className="trials">
      {windowed && windows.length > 1 ? (
        <div className="toolbar trials-filter">
          <div className="inline-field">
            <label htmlFor="trials-window">{t("sweep.col.window")}</label>
            <select
              id="trials-window"
              value={only === null ? "" : String(only)}
              onChange={(event) => {
                setOnly(event.target.value === "" ? null : Number(event.target.value));
                setShown(PAGE);
              }}
            >
              <option value="">{t("sweep.allWindows")}</option>
              {windows.map((index) => (
                <option key={index} value={index}>
                  {index}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : null}
      <div className="table-scroll">
        <table className="table table-compact" data-testid="trials-table">
          <thead>
            <tr>
              {windowed ? (
                <th scope="col" className="num">
                  {t("sweep.col.window")}
                </th>
              ) : null}
              {header("number", "#", true)}
              {swept.map((name) => header(`param:${name}`, name, true))}
              {header("objective", `${t("sweep.col.objective")} (${t(`metric.${objective}` as MessageKey)})`, true)}
              {METRICS.map((metric) => header(metric.key, t(metric.label), true))}
              <th scope="col" title={t("sweep.col.verifiedHelp")}>
                {t("sweep.col.verified")}
              </th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {trials === null ? (
              <tr>
                <td colSpan={columns} className="muted">
                  {t("sweep.trialsLoading")}
                </td>
              </tr>
            ) : sorted.length === 0 ? (
              <tr data-testid="trials-empty">
                <td colSpan={columns} className="muted empty">
                  {t("sweep.trialsEmpty")}
                </td>
              </tr>
            ) : (
              sorted.slice(0, shown).map((trial) => {
                const key = trialKey(trial);
                const score = trial.score;
                const mark = marks.get(key);
                const failed = trial.status === "failed";
                return (
                  <tr key={key} data-testid="trial-row" data-window={trial.window} data-number={trial.number} data-status={trial.status}>
                    {windowed ? <td className="num">{trial.window}</td> : null}
                    <td className="num">{trial.number}</td>
                    {swept.map((name) => (
                      <td key={name} className="num" data-col={`param:${name}`}>
                        {formatValue(trial.params[name])}
                      </td>
                    ))}
                    {failed ? (
                      <td colSpan={1 + METRICS.length} className="neg trial-error" data-col="error" title={trial.error ?? undefined}>
                        {t("sweep.trialFailed", { error: trial.error ?? "—" })}
                      </td>
                    ) : (
                      <>
                        <td className={`${signClass(SIGNED.has(objective) ? trial.objective : null)} strong`} data-col="objective" data-value={trial.objective ?? ""}>
                          {formatMetric(objective, trial.objective, locale)}
                        </td>
                        {METRICS.map((metric) => {
                          const value = score?.[metric.key];
                          return (
                            <td
                              key={metric.key}
                              className={SIGNED.has(metric.key) ? signClass(value) : "num"}
                              data-col={metric.key}
                              data-value={typeof value === "number" ? value : ""}
                            >
                              {formatMetric(metric.key, value, locale)}
                            </td>
                          );
                        })}
                      </>
                    )}
                    <td className="verified-cell" data-col="verified" data-verified={mark ? String(mark.ok) : ""}>
                      {mark ? (
                        <span
                          className={mark.ok ? "pos" : "neg"}
                          title={mark.ok ? t("sweep.verifiedOk") : t("sweep.verifiedBad", { note: mark.note ?? "—" })}
                          aria-label={mark.ok ? t("sweep.verifiedOk") : t("sweep.verifiedBad", { note: mark.note ?? "—" })}
                        >
                          {mark.ok ? "✓" : "✗"}
                        </span>
                      ) : (
                        <span className="muted" title={t("sweep.notVerified")}>
                          ·
                        </span>
                      )}
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={failed}
                        onClick={() => onOpen(trial)}
                        data-testid="open-as-backtest"
                      >
                        {t("sweep.openAsBacktest")}
                      </button>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
      {sorted.length > shown ? (
        <div className="trials-more">
          <span className="muted small">{t("sweep.showing", { shown, total: sorted.length })}</span>
          <button type="button" className="btn btn-small" onClick={() => setShown((n) => n + PAGE * 5)} data-testid="trials-more">
            {t("sweep.showMore")}
          </button>
        </div>
      ) : null}
    </div>
  );
}
