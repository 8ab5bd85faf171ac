/**
 * The "new sweep" form: pair, strategy, timeframe and range (as the backtest form),
 * the strategy's parameters each swept or fixed, the sampler (trials for random and
 * TPE), the objective, an optional walk-forward (train / test days), workers, the
 * circuit-breakers switch, collapsed the run's properties (capital, fees, funding…, the
 * backtest form's section: only the changed ones are sent, for every trial) and,
 * collapsed, the seed, how many trials Backtrader re-checks and the fast-path switch.
 * The number of grid points is shown as the person types; problems are caught before
 * `POST /sweeps`, and the server's refusal is shown in one line.
 */
import { useMemo, useState, type FormEvent } from "react";

import { createSweep } from "../../api/client";
import type { ParamValue, SweepObjective, SweepPublic, SweepSampler } from "../../api/types";
import { Notice } from "../../components/Notice";
import { ProblemList } from "../../components/ProblemList";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { addDays, isDate } from "../../lib/dates";
import { messageOf } from "../../lib/errors";
import { parseFieldValues } from "../../lib/params";
import { PropertiesSection, usePropertiesDraft } from "../PropertiesSection";
import { RunTargetFields } from "../RunTargetFields";
import type { Catalog } from "../useCatalog";
import { useRunTarget } from "../useRunTarget";
import { MAX_GRID_POINTS, checkSpace, defaultAxisDrafts, type AxisDrafts } from "./grid";
import { SweepParams, useAxisProblemText } from "./SweepParams";

const MAX_WORKERS = 256;
const MAX_VERIFY = 1000;

export const SAMPLERS: readonly SweepSampler[] = ["grid", "random", "tpe"];
export const OBJECTIVES: readonly SweepObjective[] = [
  "sharpe",
  "sortino",
  "net_pnl",
  "return_pct",
  "profit_factor",
  "win_rate",
  "expectancy",
  "max_drawdown_pct",
];

interface Problem {
  key: MessageKey;
  vars?: Record<string, string | number>;
}

/** A whole number within bounds, or the problem with it. */
function wholeNumber(text: string, name: string, min: number, max: number): { value?: number; problem?: Problem } {
  const trimmed = text.trim();
  if (trimmed === "") return { problem: { key: "err.paramRequired", vars: { name } } };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { problem: { key: "err.paramNumber", vars: { name } } };
  if (!Number.isInteger(value)) return { problem: { key: "err.paramInt", vars: { name } } };
  if (value < min) return { problem: { key: "err.paramMin", vars: { name, min } } };
  if (value > max) return { problem: { key: "err.paramMax", vars: { name, max } } };
  return { value };
}

/** Walk-forward windows of `train`/`test` days over `days` days (the backend's count). */
export function windowCount(days: number, train: number, test: number): number {
  if (!(train > 0) || !(test > 0) || days < train + test) return 0;
  return Math.floor((days - train - test) / test) + 1;
}

interface SweepFormProps {
  catalog: Catalog;
  onStarted: (sweep: SweepPublic) => void;
}

export function SweepForm({ catalog, onStarted }: SweepFormProps) {
  const { t, locale } = useI18n();
  const problemText = useAxisProblemText();
  const { symbols, strategies, error: loadError } = catalog;

  const [axes, setAxes] = useState<AxisDrafts>({});
  // A new strategy's axes start from its defaults; the range hint counts only an ordered range.
  const target = useRunTarget(catalog, { onStrategy: (chosen) => setAxes(defaultAxisDrafts(chosen.params)), orderedRange: true });
  const { pair, strategy, fields, setFields, timeframe, start, end, rangeDays } = target;
  const [sampler, setSampler] = useState<SweepSampler>("grid");
  const [trials, setTrials] = useState("20");
  const [objective, setObjective] = useState<SweepObjective>("sharpe");
  const [walkForward, setWalkForward] = useState(false);
  const [trainDays, setTrainDays] = useState("4");
  const [testDays, setTestDays] = useState("2");
  const [workers, setWorkers] = useState("2");
  const [breakers, setBreakers] = useState(true);
  const [seed, setSeed] = useState("42");
  const [verifyTop, setVerifyTop] = useState("10");
  const [verifySample, setVerifySample] = useState("5");
  const [fastPath, setFastPath] = useState(true);
  const economicsDraft = usePropertiesDraft();
  const [checked, setChecked] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);

  const space = useMemo(() => checkSpace(strategy?.params ?? [], axes), [strategy, axes]);
  const sweptCount = Object.keys(space.checks).length;
  const train = Number(trainDays);
  const test = Number(testDays);
  const windows = walkForward && rangeDays !== null ? windowCount(rangeDays, train, test) : 1;

  function validate(): { problems: Problem[]; body: Parameters<typeof createSweep>[0] | null } {
    const found: Problem[] = [];
    if (!pair) found.push({ key: "err.pairRequired" });
    if (!strategy) found.push({ key: "err.strategyRequired" });
    if (!timeframe) found.push({ key: "err.timeframeRequired" });
    if (!isDate(start) || !isDate(end)) found.push({ key: "err.datesRequired" });
    else if (end < start) found.push({ key: "err.endBeforeStart" });
    if (sweptCount === 0) found.push({ key: "sweep.err.noneSwept" });
    for (const check of Object.values(space.checks)) {
      for (const problem of check.problems) found.push({ key: "sweep.err.asIs", vars: { text: problemText(problem) } });
    }
    if (space.complete && space.size > MAX_GRID_POINTS) {
      found.push({ key: "sweep.err.gridTooLarge", vars: { size: space.size.toLocaleString(locale), max: MAX_GRID_POINTS.toLocaleString(locale) } });
    }
    const fixedParams = (strategy?.params ?? []).filter((param) => !(param.name in space.checks));
    const parsed = parseFieldValues(fixedParams, fields);
    found.push(...parsed.problems);
    let trialCount: number | null = null;
    if (sampler !== "grid") {
      const checked = wholeNumber(trials, t("sweep.trials"), 1, Math.max(1, space.complete ? space.size : MAX_GRID_POINTS));
      if (checked.problem) found.push(checked.problem);
      else trialCount = checked.value ?? null;
    }
    let wf: string | null = null;
    if (walkForward) {
      const trainChecked = wholeNumber(trainDays, t("sweep.trainDays"), 1, 100_000);
      const testChecked = wholeNumber(testDays, t("sweep.testDays"), 1, 100_000);
      if (trainChecked.problem) found.push(trainChecked.problem);
      if (testChecked.problem) found.push(testChecked.problem);
      if (trainChecked.value !== undefined && testChecked.value !== undefined) {
        wf = `${trainChecked.value}d/${testChecked.value}d`;
        if (rangeDays !== null && windowCount(rangeDays, trainChecked.value, testChecked.value) === 0) {
          found.push({ key: "sweep.err.wfTooLong", vars: { need: trainChecked.value + testChecked.value, days: rangeDays } });
        }
      }
    }
    const workersChecked = wholeNumber(workers, t("sweep.workers"), 1, MAX_WORKERS);
    if (workersChecked.problem) found.push(workersChecked.problem);
    const seedChecked = wholeNumber(seed, t("sweep.seed"), 0, 2 ** 31 - 1);
    if (seedChecked.problem) found.push(seedChecked.problem);
    const topChecked = wholeNumber(verifyTop, t("sweep.verifyTop"), 0, MAX_VERIFY);
    if (topChecked.problem) found.push(topChecked.problem);
    const sampleChecked = wholeNumber(verifySample, t("sweep.verifySample"), 0, MAX_VERIFY);
    if (sampleChecked.problem) found.push(sampleChecked.problem);
    const economics = economicsDraft.check();
    found.push(...economics.problems);
    if (found.length > 0 || !strategy) return { problems: found, body: null };
    return {
      problems: [],
      body: {
        pair,
        strategy: strategy.name,
        timeframe,
        // The form's end date is inclusive; the API's `end` is the exclusive midnight after it.
        start: `${start}T00:00:00Z`,
        end: `${addDays(end, 1)}T00:00:00Z`,
        params: parsed.values as Record<string, ParamValue>,
        risk: {},
        breakers,
        properties: economics.properties,
        grid: space.grid,
        sampler,
        trials: trialCount,
        objective,
        walk_forward: wf,
        engine: "local",
        workers: workersChecked.value ?? 2,
        seed: seedChecked.value ?? 42,
        verify_top: topChecked.value ?? 10,
        verify_sample: sampleChecked.value ?? 5,
        fast_path: fastPath,
      },
    };
  }

  // Once a submission was tried, the problems follow the inputs (and the language) live.
  const validation = validate();
  const problems = checked ? validation.problems : [];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { body } = validation;
    setChecked(true);
    setSubmitError(null);
    if (body === null) return;
    setSubmitting(true);
    createSweep(body)
      .then((sweep) => onStarted(sweep))
      .catch((error: unknown) => setSubmitError(messageOf(error)))
      .finally(() => setSubmitting(false));
  }

  if (loadError !== null) {
    return (
      <section className="card" aria-labelledby="sweep-form-title">
        <h2 id="sweep-form-title">{t("sweep.formTitle")}</h2>
        <Notice kind="error" testId="sweep-load-error">
          {t("err.load", { error: loadError })}
        </Notice>
      </section>
    );
  }
  if (symbols === null || strategies === null) {
    return (
      <section className="card" aria-labelledby="sweep-form-title" aria-busy="true">
        <h2 id="sweep-form-title">{t("sweep.formTitle")}</h2>
        <p className="muted">{t("form.loading")}</p>
      </section>
    );
  }

  const gridText = !space.complete
    ? t("sweep.gridInvalid")
    : sweptCount === 0
      ? t("sweep.gridNone")
      : t("sweep.gridPoints", { n: space.size.toLocaleString(locale) });
  const perWindow = sampler === "grid" ? space.size : Math.min(Number(trials) || 0, space.size);
  const disabled = submitting;

  return (
    <section className="card" aria-labelledby="sweep-form-title">
      <h2 id="sweep-form-title">{t("sweep.formTitle")}</h2>
      <form className="backtest-form" onSubmit={onSubmit} noValidate data-testid="sweep-form">
        <RunTargetFields
          target={target}
          symbols={symbols}
          strategies={strategies}
          idPrefix="sw"
          disabled={disabled}
          rangeHint={t("sweep.rangeHint", { days: rangeDays ?? "—" })}
        />

        {strategy ? (
          <fieldset className="params" data-testid="sweep-params">
            <legend>{t("sweep.params")}</legend>
            {strategy.params.length === 0 ? (
              <p className="muted">{t("form.noParams")}</p>
            ) : (
              <SweepParams
                strategy={strategy}
                axes={axes}
                setAxes={setAxes}
                fields={fields}
                setFields={setFields}
                checks={space.checks}
                disabled={disabled}
              />
            )}
          </fieldset>
        ) : null}

        <fieldset className="params">
          <legend>{t("sweep.search")}</legend>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="sw-sampler">{t("sweep.sampler")}</label>
              <select id="sw-sampler" value={sampler} disabled={disabled} onChange={(event) => setSampler(event.target.value as SweepSampler)}>
                {SAMPLERS.map((name) => (
                  <option key={name} value={name}>
                    {t(`sampler.${name}`)}
                  </option>
                ))}
              </select>
            </div>
            {sampler !== "grid" ? (
              <div className="field">
                <label htmlFor="sw-trials">{t("sweep.trials")}</label>
                <input
                  id="sw-trials"
                  type="number"
                  inputMode="numeric"
                  min={1}
                  step={1}
                  value={trials}
                  disabled={disabled}
                  onChange={(event) => setTrials(event.target.value)}
                />
                <small className="help">{t("sweep.trialsHelp")}</small>
              </div>
            ) : null}
            <div className="field">
              <label htmlFor="sw-objective">{t("sweep.objective")}</label>
              <select id="sw-objective" value={objective} disabled={disabled} onChange={(event) => setObjective(event.target.value as SweepObjective)}>
                {OBJECTIVES.map((name) => (
                  <option key={name} value={name}>
                    {t(`metric.${name}`)}
                  </option>
                ))}
              </select>
              <small className="help">{t(objective === "max_drawdown_pct" ? "sweep.lowerBetter" : "sweep.higherBetter")}</small>
            </div>
            <div className="field">
              <label htmlFor="sw-workers">{t("sweep.workers")}</label>
              <input
                id="sw-workers"
                type="number"
                inputMode="numeric"
                min={1}
                max={MAX_WORKERS}
                step={1}
                value={workers}
                disabled={disabled}
                onChange={(event) => setWorkers(event.target.value)}
              />
            </div>
            <div className="field field-check">
              <label className="check" htmlFor="sw-breakers">
                <input id="sw-breakers" type="checkbox" checked={breakers} disabled={disabled} onChange={(event) => setBreakers(event.target.checked)} />
                <span>{t("form.breakers")}</span>
              </label>
              <small className="help">{t(breakers ? "sweep.breakersOnHelp" : "sweep.breakersOffHelp")}</small>
            </div>
          </div>

          <div className="form-grid sweep-wf">
            <div className="field field-check">
              <label className="check" htmlFor="sw-wf">
                <input id="sw-wf" type="checkbox" checked={walkForward} disabled={disabled} onChange={(event) => setWalkForward(event.target.checked)} />
                <span>{t("sweep.walkForward")}</span>
              </label>
              <small className="help">{t("sweep.walkForwardHelp")}</small>
            </div>
            {walkForward ? (
              <>
                <div className="field">
                  <label htmlFor="sw-train">{t("sweep.trainDays")}</label>
                  <input id="sw-train" type="number" inputMode="numeric" min={1} step={1} value={trainDays} disabled={disabled} onChange={(event) => setTrainDays(event.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor="sw-test">{t("sweep.testDays")}</label>
                  <input id="sw-test" type="number" inputMode="numeric" min={1} step={1} value={testDays} disabled={disabled} onChange={(event) => setTestDays(event.target.value)} />
                  <small className="help" data-testid="wf-windows">
                    {t("sweep.windows", { n: windows })}
                  </small>
                </div>
              </>
            ) : null}
          </div>

          <details className="params-collapsible sweep-advanced">
            <summary>{t("sweep.advanced")}</summary>
            <div className="form-grid">
              <div className="field">
                <label htmlFor="sw-seed">{t("sweep.seed")}</label>
                <input id="sw-seed" type="number" inputMode="numeric" min={0} step={1} value={seed} disabled={disabled} onChange={(event) => setSeed(event.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="sw-verify-top">{t("sweep.verifyTop")}</label>
                <input id="sw-verify-top" type="number" inputMode="numeric" min={0} step={1} value={verifyTop} disabled={disabled} onChange={(event) => setVerifyTop(event.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="sw-verify-sample">{t("sweep.verifySample")}</label>
                <input
                  id="sw-verify-sample"
                  type="number"
                  inputMode="numeric"
                  min={0}
                  step={1}
                  value={verifySample}
                  disabled={disabled}
                  onChange={(event) => setVerifySample(event.target.value)}
                />
              </div>
            </div>
            <small className="help">{t("sweep.verifyHelp")}</small>
            <div className="field field-check sweep-fast-path">
              <label className="check" htmlFor="sw-fast-path">
                <input id="sw-fast-path" type="checkbox" checked={fastPath} disabled={disabled} onChange={(event) => setFastPath(event.target.checked)} />
                <span>{t("sweep.fastPath")}</span>
              </label>
              <small className="help">{t(fastPath ? "sweep.fastPathOnHelp" : "sweep.fastPathOffHelp")}</small>
            </div>
          </details>
        </fieldset>

        <PropertiesSection
          schema={economicsDraft.schema}
          error={economicsDraft.error}
          draft={economicsDraft.draft}
          setDraft={economicsDraft.setDraft}
          disabled={disabled}
          idPrefix="sw"
        />

        <ProblemList problems={problems} testId="sweep-form-errors" />
        {submitError !== null ? (
          <Notice kind="error" testId="sweep-submit-error">
            {t("sweep.err.submit", { error: submitError })}
          </Notice>
        ) : null}

        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={disabled || !strategy || !pair} data-testid="run-sweep">
            {submitting ? t("sweep.starting") : t("sweep.run")}
          </button>
          <span className="sweep-size" aria-live="polite" data-testid="grid-size" data-points={space.complete ? space.size : ""}>
            {gridText}
            {space.complete && sweptCount > 0 && sampler !== "grid" ? ` · ${t("sweep.trialsPerWindow", { n: perWindow.toLocaleString(locale) })}` : ""}
            {space.complete && sweptCount > 0 && walkForward ? ` · ${t("sweep.windows", { n: windows })}` : ""}
          </span>
        </div>
      </form>
    </section>
  );
}
