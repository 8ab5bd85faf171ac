/**
 * One sweep: what it searches, its progress while it runs ("task X of N", the ETA, a
 * Cancel button), and once it has ended the verification verdict, the best trial, the
 * sortable trials table, the heat map and, for a walk-forward, the windows and the
 * out-of-sample result. Any trial opens as a backtest.
 */
import { useState } from "react";

import { cancelSweep, resumeSweep } from "../../api/client";
import type { BacktestCreate, SweepPublic, SweepSummary, SweepTrial } from "../../api/types";
import { Notice } from "../../components/Notice";
import { ProgressBar } from "../../components/ProgressBar";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { formatCount, formatParams, formatPeriod } from "../../lib/format";
import { messageOf } from "../../lib/errors";
import { formatDuration, formatMetric, signClass } from "./format";
import { HeatMap } from "./HeatMap";
import { maximises, parseSpace } from "./summary";
import { TrialsTable } from "./TrialsTable";
import { isActive, useSweep } from "./useSweep";
import { WalkForwardSection } from "./WalkForwardSection";

/** Where a trial opened as a backtest came from (shown beside the run). */
export interface TrialOrigin {
  sweepId: string;
  window: number;
  number: number;
  params: Record<string, unknown>;
  netPnl: number | null;
}

/** The backtest that reruns `trial` of `sweep`: the sweep's run (risk, breakers, properties)
 * with its fixed params and the trial's. */
export function backtestOf(sweep: SweepPublic, trial: SweepTrial, summary: SweepSummary | null): BacktestCreate {
  const request = sweep.request;
  let start = sweep.start;
  let end = sweep.end;
  const window = summary?.walk_forward?.windows.find((w) => w.index === trial.window);
  if (window) {
    // A walk-forward trial was screened on its window's train range.
    start = window.train_start;
    end = window.train_end;
  }
  const risk = request.risk && Object.keys(request.risk).length > 0 ? request.risk : null;
  return {
    pair: sweep.pair,
    strategy: sweep.strategy,
    timeframe: sweep.timeframe,
    start,
    end,
    params: { ...request.params, ...trial.params },
    risk: risk as BacktestCreate["risk"],
    breakers: request.breakers ?? true,
    // The sweep's economics, so the backtest reproduces the trial's numbers.
    properties: request.properties,
    allow_partial: false,
    degraded: false,
  };
}

function Verification({ summary }: { summary: SweepSummary }) {
  const { t } = useI18n();
  const check = summary.verification;
  if (!summary.valid) {
    return (
      <Notice kind="error" testId="sweep-verification">
        <strong>{t("sweep.invalid", { failed: check.failed, n: check.checked })}</strong>
        {check.failures.length > 0 ? (
          <ul data-testid="verification-failures">
            {check.failures.map((failure) => (
              <li key={failure.number}>
                {t("sweep.failure", {
                  number: failure.number,
                  params: formatParams(failure.params),
                  what: failure.difference ?? failure.error ?? "—",
                })}
              </li>
            ))}
          </ul>
        ) : null}
      </Notice>
    );
  }
  if (check.checked === 0) {
    return (
      <Notice kind="info" testId="sweep-verification">
        {summary.path === "backtrader" ? t("sweep.allBacktrader") : t("sweep.unverified")}
      </Notice>
    );
  }
  return (
    <Notice kind="success" testId="sweep-verification">
      {t("sweep.valid", { n: check.checked, failed: check.failed })}
    </Notice>
  );
}

function BestTrial({ summary, trials, onOpen }: { summary: SweepSummary; trials: SweepTrial[] | null; onOpen: (trial: SweepTrial) => void }) {
  const { t, locale } = useI18n();
  const best = summary.best;
  if (!best) return <p className="muted">{t("sweep.noBest")}</p>;
  const score = best.score;
  const trial = trials?.find((row) => row.window === 0 && row.number === best.number);
  const metrics: [MessageKey, string, unknown][] = [
    ["sweep.col.objective", "objective", best.objective],
    ["metric.trades", "trades", score?.trades],
    ["metric.net_pnl", "net_pnl", score?.net_pnl],
    ["metric.return_pct", "return_pct", score?.return_pct],
    ["metric.max_drawdown_pct", "max_drawdown_pct", score?.max_drawdown_pct],
    ["metric.profit_factor", "profit_factor", score?.profit_factor],
    ["metric.sharpe", "sharpe", score?.sharpe],
    ["metric.win_rate", "win_rate", score?.win_rate],
  ];
  return (
    <div className="sweep-best" data-testid="sweep-best">
      <div className="card-head">
        <h3>
          {t("sweep.best", { number: best.number })} <span className="mono">{formatParams(best.params)}</span>
        </h3>
        {trial ? (
          <button type="button" className="btn btn-small" onClick={() => onOpen(trial)} data-testid="open-best">
            {t("sweep.openAsBacktest")}
          </button>
        ) : null}
      </div>
      <dl className="metrics">
        {metrics.map(([label, name, value]) => (
          <div className="metric" key={label} data-metric={name}>
            <dt>{label === "sweep.col.objective" ? `${t(label)} (${t(`metric.${summary.objective}` as MessageKey)})` : t(label)}</dt>
            <dd className={name === "net_pnl" || name === "return_pct" ? signClass(value, "") : undefined}>
              {formatMetric(name === "objective" ? summary.objective : name, value, locale)}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

interface SweepDetailProps {
  id: string;
  onClose: () => void;
  onChanged: () => void;
  onOpen: (body: BacktestCreate, origin: TrialOrigin) => void;
}

export function SweepDetail({ id, onClose, onChanged, onOpen }: SweepDetailProps) {
  const { t, locale } = useI18n();
  const { sweep, trials, verify, error, reload } = useSweep(id, onChanged);
  const [acting, setActing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const act = (action: (id: string) => Promise<unknown>) => {
    setActing(true);
    setActionError(null);
    action(id)
      .catch((reason: unknown) => setActionError(messageOf(reason)))
      .finally(() => {
        setActing(false);
        reload();
        onChanged();
      });
  };

  const summary = sweep?.summary ?? null;
  const objective = summary?.objective ?? sweep?.objective ?? "sharpe";
  const maximize = summary?.maximize ?? maximises(objective);
  const axes = parseSpace(summary?.space ?? sweep?.request.grid ?? []);
  const swept = axes.map((axis) => axis.name);
  const windowed = Boolean(summary?.walk_forward) || Boolean(sweep?.request.walk_forward);
  const windows = [...new Set((trials ?? []).map((trial) => trial.window))].sort((a, b) => a - b);

  const open = (trial: SweepTrial) => {
    if (!sweep) return;
    onOpen(backtestOf(sweep, trial, summary), {
      sweepId: sweep.id,
      window: trial.window,
      number: trial.number,
      params: trial.params,
      netPnl: typeof trial.score?.net_pnl === "number" ? trial.score.net_pnl : null,
    });
  };

  let progressText = "";
  if (sweep && isActive(sweep)) {
    progressText =
      sweep.status === "queued"
        ? t("job.queued")
        : `${t("sweep.task", { done: formatCount(sweep.tasks_done, locale), total: formatCount(sweep.tasks_total, locale) })} · ${t("sweep.eta", {
            eta: sweep.eta_seconds === null || sweep.eta_seconds === undefined ? "—" : formatDuration(sweep.eta_seconds, t),
          })}`;
  }
  const resumable = sweep?.status === "failed" || sweep?.status === "cancelled" || sweep?.status === "interrupted";

  return (
    <section className="card" aria-labelledby="sweep-detail-title" data-testid="sweep-detail" data-status={sweep?.status ?? ""} data-id={id}>
      <div className="card-head">
        <h2 id="sweep-detail-title">
          {t("sweep.detailTitle")} <span className="muted small mono">{id}</span>
        </h2>
        <div className="toolbar">
          {sweep && isActive(sweep) ? (
            <button type="button" className="btn btn-danger" disabled={acting} onClick={() => act(cancelSweep)} data-testid="cancel-sweep">
              {t("sweep.cancel")}
            </button>
          ) : null}
          {resumable ? (
            <button type="button" className="btn" disabled={acting} onClick={() => act(resumeSweep)} data-testid="resume-sweep">
              {t("sweep.resume")}
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onClose} data-testid="close-sweep">
            {t("modal.close")}
          </button>
        </div>
      </div>
      {error !== null ? (
        <Notice kind="error" testId="sweep-error">
          {t("sweep.err.load", { error })}
        </Notice>
      ) : null}
      {actionError !== null ? (
        <Notice kind="error" testId="sweep-action-error">
          {t("sweep.err.action", { error: actionError })}
        </Notice>
      ) : null}
      {sweep === null ? (
        error === null ? (
          <p className="muted">{t("sweep.loading")}</p>
        ) : null
      ) : (
        <>
          <p className="sweep-facts" data-testid="sweep-facts">
            <span className="strong">{sweep.strategy}</span> · {sweep.pair} · {sweep.timeframe} · {formatPeriod(sweep.start, sweep.end)} ·{" "}
            {t("sweep.factsObjective", { objective: t(`metric.${objective}` as MessageKey) })} · {t(`sampler.${sweep.sampler}`)}
            {sweep.request.walk_forward ? ` · ${t("sweep.factsWf", { split: sweep.request.walk_forward })}` : ""}
            <br />
            <span className="mono small muted">{(summary?.space ?? sweep.request.grid).join("  ")}</span>
            {Object.keys(sweep.request.params ?? {}).length > 0 ? (
              <span className="mono small muted"> · {t("sweep.fixed", { params: formatParams(sweep.request.params) })}</span>
            ) : null}
          </p>
          <div className="sweep-status">
            <span className={`badge badge-${sweep.status}`}>{t(`sweepStatus.${sweep.status}`)}</span>
            {isActive(sweep) ? (
              <div className="sweep-progress" data-testid="sweep-progress">
                <ProgressBar value={sweep.progress} label={t("sweep.progress")} text={progressText} />
              </div>
            ) : null}
          </div>
          {sweep.error && sweep.status !== "done" ? (
            <Notice kind={sweep.status === "failed" ? "error" : "info"} testId="sweep-ended">
              {t(`sweep.ended.${sweep.status === "failed" ? "failed" : "stopped"}`, { error: sweep.error })}
            </Notice>
          ) : null}
          {summary ? (
            <>
              <Verification summary={summary} />
              <p className="muted small" data-testid="sweep-stats">
                {t("sweep.stats", {
                  trials: formatCount(summary.trials, locale),
                  failed: formatCount(summary.trials_failed, locale),
                  path: summary.path ?? "—",
                  elapsed: formatDuration(summary.elapsed_s, t),
                  workers: summary.workers.length,
                  rss: formatCount(Math.max(0, ...summary.workers.map((w) => w.peak_rss_mb)), locale),
                })}
              </p>
              {summary.walk_forward ? null : <BestTrial summary={summary} trials={trials} onOpen={open} />}
            </>
          ) : null}
          {!isActive(sweep) ? (
            <>
              {trials && trials.length > 0 ? (
                <>
                  <h3>{t("sweep.heatTitle")}</h3>
                  <HeatMap trials={trials} axes={axes} objective={objective} maximize={maximize} windows={windows} />
                </>
              ) : null}
              <h3>{t("sweep.trialsTitle", { n: trials?.length ?? 0 })}</h3>
              <TrialsTable
                key={id}
                trials={trials}
                verify={verify}
                swept={swept}
                objective={objective}
                maximize={maximize}
                windowed={windowed}
                windows={windows}
                onOpen={open}
              />
              {summary?.walk_forward ? <WalkForwardSection wf={summary.walk_forward} objective={objective} /> : null}
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
