/**
 * The "new backtest" form: pair, strategy, timeframe, date range, the
 * strategy's parameters (generated from its metadata), the degraded-mode switch
 * (run with the strategy's declared fallbacks when the store lacks its market
 * data) and, collapsed, the run's properties (capital, risk %, leverage, fees,
 * slippage, funding) and the risk settings for this run with the
 * circuit-breakers switch; client-side validation; submitting starts a job
 * whose progress is shown below (a refusal, e.g. missing market data, in one line).
 * A range wholly outside the pair's stored data is refused before running; one
 * that sticks out runs on the stored part (`allow_partial`), with a note saying so.
 */
import { useEffect, useState, type FormEvent } from "react";

import type { ParamValue, RiskOverrides, RunProperties } from "../api/types";
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
import { PropertiesSection, usePropertiesDraft } from "./PropertiesSection";
import { RiskOverridesSection, defaultRiskDraft, riskOverridesOf, useRiskSchema, type RiskDraft } from "./RiskOverrides";
import type { Catalog } from "./useCatalog";
import { useBacktestJob, type JobState } from "./useBacktestJob";
import { RunTargetFields } from "./RunTargetFields";
import { rangeFit, spanAt, type RangeFit } from "./storedRange";
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

/** Under the dates: the refusal of a range with no stored data, or where a range is clamped. */
function RangeFitNote({ fit, pair, timeframe, start, end }: { fit: RangeFit; pair: string; timeframe: string; start: string; end: string }) {
  const { t } = useI18n();
  if (fit.kind === "outside") {
    return (
      <small className="field-error" role="alert" data-testid="range-outside">
        {t("range.outside", { pair, tf: timeframe, start, end, first: fit.first, last: fit.last })}
      </small>
    );
  }
  if (fit.kind === "clamped") {
    return (
      <small className="help range-clamped" data-testid="range-clamped">
        {t("range.clamped", { from: fit.from, to: fit.to, first: fit.first, last: fit.last })}
      </small>
    );
  }
  return null;
}

interface BacktestFormProps {
  catalog: Catalog;
  onJobChange: () => void;
}

export function BacktestForm({ catalog, onJobChange }: BacktestFormProps) {
  const { t } = useI18n();
  const { symbols, strategies, error: loadError } = catalog;

  const target = useRunTarget(catalog);
  const { pair, strategy, fields, setFields, timeframe, start, end, rangeDays } = target;
  // Where the range stands against the pair's stored data: clamped or refused before running.
  const fit = rangeFit(start, end, spanAt(target.symbol, timeframe), timeframe);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [degraded, setDegraded] = useState(false);
  const { schema: riskSchema, error: riskError } = useRiskSchema();
  const [riskDraft, setRiskDraft] = useState<RiskDraft>(() => defaultRiskDraft(null));
  useEffect(() => setRiskDraft(defaultRiskDraft(riskSchema)), [riskSchema]);
  const economicsDraft = usePropertiesDraft();
  const label = useLabel();

  const { job, run } = useBacktestJob(onJobChange);
  const busy = job.phase === "submitting" || job.phase === "active";

  function validate(): {
    problems: Problem[];
    params: Record<string, ParamValue>;
    risk: RiskOverrides | null;
    properties: RunProperties | null;
  } {
    const found: Problem[] = [];
    if (!pair) found.push({ key: "err.pairRequired" });
    if (!strategy) found.push({ key: "err.strategyRequired" });
    if (!timeframe) found.push({ key: "err.timeframeRequired" });
    if (!isDate(start) || !isDate(end)) found.push({ key: "err.datesRequired" });
    else if (end < start) found.push({ key: "err.endBeforeStart" });
    else {
      const days = daysInclusive(start, end);
      if (days < MIN_RANGE_DAYS || days > MAX_RANGE_DAYS) found.push({ key: "err.rangeTooLong", vars: { days } });
      if (fit?.kind === "outside") found.push({ key: "range.outside", vars: { pair, tf: timeframe, start, end, first: fit.first, last: fit.last } });
    }
    const parsed = strategy ? parseFieldValues(strategy.params, fields) : { values: {}, problems: [] };
    found.push(...parsed.problems);
    const risk = riskOverridesOf(riskSchema, riskDraft, (name) => label("riskField", name));
    found.push(...risk.problems);
    const economics = economicsDraft.check();
    found.push(...economics.problems);
    return { problems: found, params: parsed.values, risk: risk.risk, properties: economics.properties };
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { problems: found, params, risk, properties } = validate();
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
      // A range sticking out of the stored data runs on the stored part (the note says so).
      allow_partial: fit?.kind === "clamped",
      degraded,
      properties,
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
        <RunTargetFields
          target={target}
          symbols={symbols}
          strategies={strategies}
          idPrefix="bt"
          disabled={busy}
          rangeHint={t("form.rangeHint", { days: rangeDays ?? "—" })}
          datesInvalid={fit?.kind === "outside"}
          dateNote={fit && fit.kind !== "inside" ? <RangeFitNote fit={fit} pair={pair} timeframe={timeframe} start={start} end={end} /> : null}
        />

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

        <PropertiesSection schema={economicsDraft.schema} error={economicsDraft.error} draft={economicsDraft.draft} setDraft={economicsDraft.setDraft} disabled={busy} />

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
