/**
 * The "new backtest" form: pair, strategy, timeframe, date range, the
 * strategy's parameters (generated from its metadata), the degraded-mode switch
 * (run with the strategy's declared fallbacks when the store lacks its market
 * data) and, collapsed, the risk settings for this run with the
 * circuit-breakers switch; client-side validation; submitting starts a job
 * whose progress is shown below (a refusal, e.g. missing market data, in one line).
 */
import { useEffect, useState, type FormEvent } from "react";

import type { ParamValue, RiskOverrides } from "../api/types";
import { Notice } from "../components/Notice";
import { ProgressBar } from "../components/ProgressBar";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { MAX_RANGE_DAYS, MIN_RANGE_DAYS, addDays, daysInclusive, isDate } from "../lib/dates";
import { formatCount, formatSigned } from "../lib/format";
import { parseFieldValues } from "../lib/params";
import { ParamFields } from "./ParamField";
import { ProblemList } from "../components/ProblemList";
import { useLabel } from "../live/labels";
import { RiskOverridesSection, defaultRiskDraft, riskOverridesOf, useRiskSchema, type RiskDraft } from "./RiskOverrides";
import type { Catalog } from "./useCatalog";
import { useBacktestJob, type JobState } from "./useBacktestJob";
import { useRunTarget } from "./useRunTarget";

interface Problem {
  key: MessageKey;
  vars?: Record<string, string | number>;
}

function JobStatus({ job }: { job: JobState }) {
  const { t, locale } = useI18n();
  switch (job.phase) {
    case "idle":
      return null;
    case "submitting":
      return <ProgressBar value={0} label={t("job.progress")} text={t("job.queued")} />;
    case "active": {
      const pct = `${Math.round(job.progress * 100)} %`;
      return (
        <ProgressBar
          value={job.progress}
          label={t("job.progress")}
          text={job.status === "queued" ? t("job.queued") : t("job.running", { pct })}
        />
      );
    }
    case "done": {
      const metrics = job.detail.result?.metrics;
      return (
        <Notice kind="success" testId="job-done">
          {t("job.done", { trades: formatCount(metrics?.trades, locale), pnl: formatSigned(metrics?.net_pnl, locale) })}
        </Notice>
      );
    }
    case "failed":
      return (
        <Notice kind="error" testId="job-error">
          {job.rejected ? t("err.submit", { error: job.error }) : t("job.failed", { error: job.error })}
        </Notice>
      );
    case "lost":
      return (
        <Notice kind="error" testId="job-error">
          {t("err.poll", { error: job.error })}
        </Notice>
      );
  }
}

interface BacktestFormProps {
  catalog: Catalog;
  onJobChange: () => void;
}

export function BacktestForm({ catalog, onJobChange }: BacktestFormProps) {
  const { t } = useI18n();
  const { symbols, strategies, error: loadError } = catalog;

  const target = useRunTarget(catalog);
  const { pair, selectPair, strategyName, strategy, selectStrategy, fields, setFields } = target;
  const { timeframe, setTimeframe, start, setStart, end, setEnd, span, firstDay, lastDay, offeredTimeframes, rangeDays } = target;
  const [problems, setProblems] = useState<Problem[]>([]);
  const [degraded, setDegraded] = useState(false);
  const { schema: riskSchema, error: riskError } = useRiskSchema();
  const [riskDraft, setRiskDraft] = useState<RiskDraft>(() => defaultRiskDraft(null));
  useEffect(() => setRiskDraft(defaultRiskDraft(riskSchema)), [riskSchema]);
  const label = useLabel();

  const { job, run } = useBacktestJob(onJobChange);
  const busy = job.phase === "submitting" || job.phase === "active";

  function validate(): { problems: Problem[]; params: Record<string, ParamValue>; risk: RiskOverrides | null } {
    const found: Problem[] = [];
    if (!pair) found.push({ key: "err.pairRequired" });
    if (!strategy) found.push({ key: "err.strategyRequired" });
    if (!timeframe) found.push({ key: "err.timeframeRequired" });
    if (!isDate(start) || !isDate(end)) found.push({ key: "err.datesRequired" });
    else if (end < start) found.push({ key: "err.endBeforeStart" });
    else {
      const days = daysInclusive(start, end);
      if (days < MIN_RANGE_DAYS || days > MAX_RANGE_DAYS) found.push({ key: "err.rangeTooLong", vars: { days } });
    }
    const parsed = strategy ? parseFieldValues(strategy.params, fields) : { values: {}, problems: [] };
    found.push(...parsed.problems);
    const risk = riskOverridesOf(riskSchema, riskDraft, (name) => label("riskField", name));
    found.push(...risk.problems);
    return { problems: found, params: parsed.values, risk: risk.risk };
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { problems: found, params, risk } = validate();
    setProblems(found);
    if (found.length > 0 || !strategy) return;
    // The form's end date is inclusive; the API's `end` is the exclusive midnight after it.
    run({
      pair,
      strategy: strategy.name,
      timeframe,
      start,
      end: addDays(end, 1),
      params,
      risk,
      breakers: riskDraft.breakers,
      allow_partial: false,
      degraded,
    });
  }

  if (loadError !== null) {
    return (
      <section className="card" aria-labelledby="form-title">
        <h2 id="form-title">{t("form.title")}</h2>
        <Notice kind="error" testId="load-error">
          {t("err.load", { error: loadError })}
        </Notice>
      </section>
    );
  }

  if (symbols === null || strategies === null) {
    return (
      <section className="card" aria-labelledby="form-title" aria-busy="true">
        <h2 id="form-title">{t("form.title")}</h2>
        <p className="muted">{t("form.loading")}</p>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="form-title">
      <h2 id="form-title">{t("form.title")}</h2>
      {symbols.length === 0 ? <Notice kind="info">{t("form.noSymbols")}</Notice> : null}
      {strategies.length === 0 ? <Notice kind="info">{t("form.noStrategies")}</Notice> : null}
      <form className="backtest-form" onSubmit={onSubmit} noValidate data-testid="backtest-form">
        <div className="form-grid">
          <div className="field">
            <label htmlFor="bt-pair">{t("form.pair")}</label>
            <select
              id="bt-pair"
              value={pair}
              disabled={busy}
              onChange={(event) => {
                const next = symbols.find((s) => s.symbol === event.target.value);
                if (next) selectPair(next);
              }}
            >
              {symbols.map((s) => (
                <option key={s.symbol} value={s.symbol}>
                  {s.symbol}
                </option>
              ))}
            </select>
            {span ? (
              <small className="help" data-testid="data-span">
                {t("form.dataSpan", { first: firstDay ?? "—", last: lastDay ?? "—" })}
              </small>
            ) : null}
          </div>

          <div className="field">
            <label htmlFor="bt-strategy">{t("form.strategy")}</label>
            <select
              id="bt-strategy"
              value={strategyName}
              disabled={busy}
              onChange={(event) => {
                const next = strategies.find((s) => s.name === event.target.value);
                if (next) selectStrategy(next);
              }}
            >
              {strategies.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} v{s.version}
                </option>
              ))}
            </select>
            {strategy?.description ? <small className="help">{strategy.description}</small> : null}
          </div>

          <div className="field">
            <label htmlFor="bt-timeframe">{t("form.timeframe")}</label>
            <select id="bt-timeframe" value={timeframe} disabled={busy} onChange={(event) => setTimeframe(event.target.value)}>
              {offeredTimeframes.map((tf) => (
                <option key={tf} value={tf}>
                  {tf}
                </option>
              ))}
            </select>
          </div>

          <div className="field">
            <label htmlFor="bt-start">{t("form.start")}</label>
            <input
              id="bt-start"
              type="date"
              value={start}
              min={firstDay}
              max={lastDay}
              disabled={busy}
              onChange={(event) => setStart(event.target.value)}
            />
          </div>

          <div className="field">
            <label htmlFor="bt-end">{t("form.end")}</label>
            <input
              id="bt-end"
              type="date"
              value={end}
              min={firstDay}
              max={lastDay}
              disabled={busy}
              aria-describedby="bt-range-hint"
              onChange={(event) => setEnd(event.target.value)}
            />
            <small id="bt-range-hint" className="help">
              {t("form.rangeHint", { days: rangeDays ?? "—" })}
            </small>
          </div>
        </div>

        {strategy ? (
          <fieldset className="params" data-testid="strategy-params">
            <legend>{t("form.params")}</legend>
            {strategy.params.length === 0 ? (
              <p className="muted">{t("form.noParams")}</p>
            ) : (
              <div className="form-grid">
                <ParamFields strategy={strategy} fields={fields} setFields={setFields} disabled={busy} />
              </div>
            )}
          </fieldset>
        ) : null}

        <div className="degraded-switch">
          <label className="check" htmlFor="bt-degraded">
            <input
              id="bt-degraded"
              type="checkbox"
              checked={degraded}
              disabled={busy}
              aria-describedby="bt-degraded-help"
              onChange={(event) => setDegraded(event.target.checked)}
              data-testid="degraded-mode"
            />
            <span>{t("form.degraded")}</span>
          </label>
          <small id="bt-degraded-help" className="help">
            ({t("form.degradedHelp")})
          </small>
        </div>

        <RiskOverridesSection schema={riskSchema} error={riskError} draft={riskDraft} setDraft={setRiskDraft} disabled={busy} />

        <ProblemList problems={problems} testId="form-errors" />

        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !strategy || !pair} data-testid="run-backtest">
            {busy ? t("form.running") : t("form.run")}
          </button>
          <div className="job-status" aria-live="polite">
            <JobStatus job={job} />
          </div>
        </div>
      </form>
    </section>
  );
}
