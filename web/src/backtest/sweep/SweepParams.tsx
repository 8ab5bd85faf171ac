/**
 * The strategy's parameters in the sweep form: each with a "sweep" switch. A swept
 * number takes From / To / Step (both ends included; problems shown at the field,
 * the typed text left as it is), a swept flag or choice tries every value, and a
 * parameter not swept keeps one fixed value (the backtest form's `ParamField`).
 */
import type { StrategyInfo, StrategyParam } from "../../api/types";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import type { FieldValue, FieldValues } from "../../lib/params";
import { stepOf } from "../../lib/params";
import { ParamField } from "../ParamField";
import { isRange, isSweepable, listedValues, type AxisCheck, type AxisDraft, type AxisDrafts, type AxisPart, type AxisProblem } from "./grid";
import { usePluginText } from "../../lib/pluginText";

const PART_LABEL: Record<AxisPart, MessageKey> = { from: "sweep.from", to: "sweep.to", step: "sweep.step" };

/** A problem of an axis in words (its part translated). */
export function useAxisProblemText(): (problem: AxisProblem) => string {
  const { t } = useI18n();
  return (problem) => t(problem.key, { ...problem.vars, part: t(PART_LABEL[problem.part]) });
}

interface RangeInputsProps {
  param: StrategyParam;
  draft: AxisDraft;
  check: AxisCheck | undefined;
  disabled: boolean;
  onChange: (draft: AxisDraft) => void;
}

function RangeInputs({ param, draft, check, disabled, onChange }: RangeInputsProps) {
  const { t, locale } = useI18n();
  const problemText = useAxisProblemText();
  const problems = check?.problems ?? [];
  const errorId = `sw-${param.name}-error`;
  const countId = `sw-${param.name}-count`;
  return (
    <>
      <div className="sweep-range">
        {(["from", "to", "step"] as const).map((part) => {
          const id = `sw-${param.name}-${part}`;
          const invalid = problems.some((problem) => problem.part === part);
          return (
            <div className="field" key={part}>
              <label htmlFor={id}>{t(PART_LABEL[part])}</label>
              <input
                id={id}
                type="number"
                inputMode={param.type === "int" ? "numeric" : "decimal"}
                step={stepOf(param)}
                min={part === "step" ? undefined : (param.min ?? undefined)}
                max={part === "step" ? undefined : (param.max ?? undefined)}
                value={draft[part]}
                disabled={disabled}
                aria-invalid={invalid || undefined}
                aria-describedby={invalid ? errorId : countId}
                onChange={(event) => onChange({ ...draft, [part]: event.target.value })}
              />
            </div>
          );
        })}
      </div>
      {problems.length > 0 ? (
        <ul id={errorId} className="field-error" data-testid={`axis-error-${param.name}`}>
          {problems.map((problem, index) => (
            <li key={index}>{problemText(problem)}</li>
          ))}
        </ul>
      ) : (
        <small id={countId} className="help" data-testid={`axis-count-${param.name}`}>
          {t("sweep.values", { n: (check?.count ?? 0).toLocaleString(locale) })}
        </small>
      )}
    </>
  );
}

interface SweepParamsProps {
  strategy: StrategyInfo;
  axes: AxisDrafts;
  setAxes: (update: (prev: AxisDrafts) => AxisDrafts) => void;
  fields: FieldValues;
  setFields: (update: (prev: FieldValues) => FieldValues) => void;
  checks: Record<string, AxisCheck>;
  disabled: boolean;
}

export function SweepParams({ strategy, axes, setAxes, fields, setFields, checks, disabled }: SweepParamsProps) {
  const { t } = useI18n();
  const texts = usePluginText();
  const setAxis = (name: string, draft: AxisDraft) => setAxes((prev) => ({ ...prev, [name]: draft }));

  return (
    <div className="sweep-params">
      {strategy.params.map((param) => {
        const draft = axes[param.name] ?? { swept: false, from: "", to: "", step: "" };
        const sweepable = isSweepable(param);
        const swept = sweepable && draft.swept;
        const toggleId = `sw-toggle-${param.name}`;
        return (
          <div
            key={`${strategy.name}-${param.name}`}
            className={swept ? "sweep-param swept" : "sweep-param"}
            data-testid={`sweep-param-${param.name}`}
            data-swept={swept}
          >
            {sweepable ? (
              <label className="check sweep-toggle" htmlFor={toggleId}>
                <input
                  id={toggleId}
                  type="checkbox"
                  checked={swept}
                  disabled={disabled}
                  aria-label={t("sweep.sweepParamOf", { name: param.name })}
                  onChange={(event) => setAxis(param.name, { ...draft, swept: event.target.checked })}
                />
                <span>{t("sweep.sweepParam")}</span>
              </label>
            ) : (
              <span className="sweep-toggle muted small">{t("sweep.fixedOnly")}</span>
            )}
            {!swept ? (
              <ParamField
                idPrefix="sw-param"
                strategy={strategy.name}
                param={param}
                value={fields[param.name] ?? (param.type === "bool" ? false : "")}
                disabled={disabled}
                onChange={(value: FieldValue) => setFields((prev) => ({ ...prev, [param.name]: value }))}
              />
            ) : isRange(param) ? (
              <fieldset className="sweep-axis">
                <legend className="param-name">{param.name}</legend>
                <RangeInputs
                  param={param}
                  draft={draft}
                  check={checks[param.name]}
                  disabled={disabled}
                  onChange={(next) => setAxis(param.name, next)}
                />
                {param.description ? <small className="help">{texts.param(strategy.name, param.name, param.description)}</small> : null}
              </fieldset>
            ) : (
              <div className="sweep-axis">
                <span className="param-name">{param.name}</span>
                <p className="sweep-list" data-testid={`axis-values-${param.name}`}>
                  {t("sweep.tryAll", {
                    values: listedValues(param)
                      .map((value) => (param.type === "bool" ? t(value === "true" ? "form.true" : "form.false") : value))
                      .join(", "),
                  })}
                </p>
                {param.description ? <small className="help">{texts.param(strategy.name, param.name, param.description)}</small> : null}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
