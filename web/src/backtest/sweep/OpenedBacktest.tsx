/**
 * A trial of a sweep opened as a backtest, shown at the top of the Backtest view:
 * where it came from, the run's progress, and once done its trades and net P&L
 * beside the trial's, with its detailed statistics one click away.
 */
import type { BacktestSummary } from "../../api/types";
import { Notice } from "../../components/Notice";
import { ProgressBar } from "../../components/ProgressBar";
import { useI18n } from "../../i18n/I18nProvider";
import { formatCount, formatParams, formatSigned } from "../../lib/format";
import type { JobState } from "../useBacktestJob";
import type { TrialOrigin } from "./SweepDetail";

interface OpenedBacktestProps {
  job: JobState;
  origin: TrialOrigin;
  row: BacktestSummary | undefined;
  onDetails: (row: BacktestSummary) => void;
  onDismiss: () => void;
  onBack: () => void;
}

export function OpenedBacktest({ job, origin, row, onDetails, onDismiss, onBack }: OpenedBacktestProps) {
  const { t, locale } = useI18n();
  let status = null;
  switch (job.phase) {
    case "idle":
      break;
    case "submitting":
      status = <ProgressBar value={0} label={t("job.progress")} text={t("job.queued")} />;
      break;
    case "active":
      status = (
        <ProgressBar
          value={job.progress}
          label={t("job.progress")}
          text={job.status === "queued" ? t("job.queued") : t("job.running", { pct: `${Math.round(job.progress * 100)} %` })}
        />
      );
      break;
    case "done": {
      const metrics = job.detail.result?.metrics;
      status = (
        <Notice kind="success" testId="opened-done">
          <span data-testid="opened-net-pnl" data-value={metrics?.net_pnl ?? ""}>
            {t("job.done", { trades: formatCount(metrics?.trades, locale), pnl: formatSigned(metrics?.net_pnl, locale) })}
          </span>{" "}
          {origin.netPnl !== null ? <span className="muted">{t("sweep.openedTrialPnl", { pnl: formatSigned(origin.netPnl, locale) })}</span> : null}
        </Notice>
      );
      break;
    }
    case "failed":
      status = (
        <Notice kind="error" testId="opened-error">
          {job.rejected ? t("err.submit", { error: job.error }) : t("job.failed", { error: job.error })}
        </Notice>
      );
      break;
    case "lost":
      status = (
        <Notice kind="error" testId="opened-error">
          {t("err.poll", { error: job.error })}
        </Notice>
      );
      break;
  }
  return (
    <section className="card opened-backtest" aria-labelledby="opened-title" data-testid="opened-backtest" data-phase={job.phase}>
      <div className="card-head">
        <h2 id="opened-title">
          {t("sweep.openedTitle", { number: origin.number })}{" "}
          <span className="muted small mono">
            {origin.sweepId}
            {origin.window > 0 ? ` · ${t("sweep.col.window")} ${origin.window}` : ""}
          </span>
        </h2>
        <div className="toolbar">
          {job.phase === "done" && row ? (
            <button type="button" className="btn" onClick={() => onDetails(row)} data-testid="opened-details">
              {t("btn.details")}
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onBack} data-testid="back-to-sweep">
            {t("sweep.backToSweep")}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onDismiss} aria-label={t("modal.close")}>
            ✕
          </button>
        </div>
      </div>
      <p className="mono small muted">{formatParams(origin.params)}</p>
      <div className="job-status" aria-live="polite">
        {status}
      </div>
    </section>
  );
}
