/**
 * "Risk settings" of the backtest form, collapsed by default: every risk setting
 * (from `GET /settings/risk-schema`) with the environment's value, editable for
 * this run and grouped by circuit breaker, and the "Circuit breakers" switch
 * (off: every breaker but the minimum reward/risk is off — the research switch).
 * Only the values that differ from the environment's are sent as `risk`.
 */
import { getRiskSchema } from "../api/client";
import type { RiskField, RiskOverrides, RiskSchema } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import type { FieldProblem, FieldValue, FieldValues } from "../lib/params";
import { useLoaded } from "../lib/useLoaded";
import { useLabel } from "../live/labels";

/** What the section holds: a draft value per risk field and the breakers switch. */
export interface RiskDraft {
  values: FieldValues;
  breakers: boolean;
}

/** Loads the risk schema once. */
export function useRiskSchema(): { schema: RiskSchema | null; error: string | null } {
  const { value, error } = useLoaded(getRiskSchema);
  return { schema: value, error };
}

/** A draft holding the environment's values, breakers on. */
export function defaultRiskDraft(schema: RiskSchema | null): RiskDraft {
  const values: FieldValues = {};
  for (const field of schema?.fields ?? []) {
    values[field.name] = field.type === "bool" ? field.default === true : String(field.default);
  }
  return { values, breakers: true };
}

function parseOne(field: RiskField, raw: FieldValue, name: string): { value?: number | boolean; problem?: FieldProblem } {
  if (field.type === "bool") return { value: raw === true };
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "") return { problem: { key: "err.paramRequired", vars: { name } } };
  const number = Number(text);
  if (!Number.isFinite(number)) return { problem: { key: "err.paramNumber", vars: { name } } };
  if (field.type === "int" && !Number.isInteger(number)) return { problem: { key: "err.paramInt", vars: { name } } };
  if (field.min !== null && number < field.min) return { problem: { key: "err.paramMin", vars: { name, min: field.min } } };
  if (field.max !== null && number > field.max) return { problem: { key: "err.paramMax", vars: { name, max: field.max } } };
  return { value: number };
}

/** The overrides of a draft (only values that differ from the environment's), or its problems. */
export function riskOverridesOf(
  schema: RiskSchema | null,
  draft: RiskDraft,
  labelOf: (field: string) => string,
): { risk: RiskOverrides | null; problems: FieldProblem[] } {
  const changed: Record<string, number | boolean> = {};
  const problems: FieldProblem[] = [];
  for (const field of schema?.fields ?? []) {
    const raw = draft.values[field.name] ?? (field.type === "bool" ? field.default === true : String(field.default));
    const { value, problem } = parseOne(field, raw, labelOf(field.name));
    if (problem) problems.push(problem);
    else if (value !== undefined && value !== field.default) changed[field.name] = value;
  }
  return { risk: Object.keys(changed).length > 0 ? (changed as RiskOverrides) : null, problems };
}

interface RiskOverridesSectionProps {
  schema: RiskSchema | null;
  error: string | null;
  draft: RiskDraft;
  setDraft: (update: (prev: RiskDraft) => RiskDraft) => void;
  disabled: boolean;
}

export function RiskOverridesSection({ schema, error, draft, setDraft, disabled }: RiskOverridesSectionProps) {
  const { t, locale } = useI18n();
  const label = useLabel();
  const fields = schema?.fields ?? [];
  const changed = fields.filter((field) => {
    const raw = draft.values[field.name];
    if (raw === undefined) return false;
    return field.type === "bool" ? raw !== field.default : String(raw).trim() !== String(field.default);
  }).length;
  const setValue = (name: string, value: FieldValue) => setDraft((prev) => ({ ...prev, values: { ...prev.values, [name]: value } }));
  const shown = (field: RiskField) =>
    field.type === "bool" ? t(field.default ? "form.true" : "form.false") : field.default.toLocaleString(locale);

  const control = (field: RiskField, off: boolean) => {
    const id = `bt-risk-${field.name}`;
    const help = (
      <small id={`${id}-help`} className="help">
        {t("form.paramDefault", { value: shown(field) })}
        {field.min !== null && field.max !== null ? ` · ${t("form.paramRange", { min: field.min, max: field.max })}` : ""}
      </small>
    );
    if (field.type === "bool") {
      return (
        <div className="field field-check" key={field.name}>
          <label className="check" htmlFor={id}>
            <input id={id} type="checkbox" checked={draft.values[field.name] === true} disabled={disabled || off} onChange={(e) => setValue(field.name, e.target.checked)} />
            <span>{label("riskField", field.name)}</span>
          </label>
        </div>
      );
    }
    const value = draft.values[field.name];
    return (
      <div className="field" key={field.name}>
        <label htmlFor={id}>{label("riskField", field.name)}</label>
        <input
          id={id}
          name={field.name}
          type="number"
          inputMode={field.type === "int" ? "numeric" : "decimal"}
          step={field.type === "int" ? "1" : "any"}
          min={field.min ?? undefined}
          max={field.max ?? undefined}
          value={typeof value === "string" ? value : ""}
          disabled={disabled || off}
          aria-describedby={`${id}-help`}
          onChange={(e) => setValue(field.name, e.target.value)}
        />
        {help}
      </div>
    );
  };

  const summaryNote = [
    changed > 0 ? t("form.riskChanged", { n: changed }) : t("form.riskDefaults"),
    draft.breakers ? null : t("form.breakersOff"),
  ]
    .filter(Boolean)
    .join(" · ");

  return (
    <details className="params params-collapsible" data-testid="risk-overrides">
      <summary>
        {t("form.risk")} <span className="muted small">({summaryNote})</span>
      </summary>
      {error !== null ? <p className="muted">{t("err.load", { error })}</p> : null}
      {schema === null && error === null ? <p className="muted">{t("form.loading")}</p> : null}
      {schema !== null ? (
        <>
          <div className="field field-check breakers-switch">
            <label className="check" htmlFor="bt-breakers">
              <input
                id="bt-breakers"
                type="checkbox"
                checked={draft.breakers}
                disabled={disabled}
                onChange={(e) => {
                  const on = e.target.checked;
                  setDraft((prev) => ({ ...prev, breakers: on }));
                }}
              />
              <span>{t("form.breakers")}</span>
            </label>
            <small className="help">{draft.breakers ? t("form.breakersOnHelp") : t("form.breakersOffHelp")}</small>
          </div>
          <div className="breakers">
            {schema.breakers.map((breaker) => {
              const own = fields.filter((field) => field.breaker === breaker);
              const flag = own.find((field) => field.name === `${breaker}_enabled`);
              const off = !draft.breakers && breaker !== "min_rr";
              return (
                <fieldset key={breaker} className="params breaker" data-breaker={breaker} disabled={off || undefined}>
                  <legend>
                    {flag ? (
                      <label className="check" htmlFor={`bt-risk-${flag.name}`}>
                        <input
                          id={`bt-risk-${flag.name}`}
                          type="checkbox"
                          checked={draft.values[flag.name] === true}
                          disabled={disabled || off}
                          aria-label={t("settings.breakerEnabled", { breaker: label("risk", breaker) })}
                          onChange={(e) => setValue(flag.name, e.target.checked)}
                        />
                        <span>{label("risk", breaker)}</span>
                      </label>
                    ) : (
                      label("risk", breaker)
                    )}
                  </legend>
                  <div className="form-grid">{own.filter((field) => field !== flag).map((field) => control(field, off))}</div>
                </fieldset>
              );
            })}
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-small"
              disabled={disabled}
              onClick={() => setDraft(() => defaultRiskDraft(schema))}
              data-testid="risk-defaults"
            >
              {t("form.riskReset")}
            </button>
          </div>
        </>
      ) : null}
    </details>
  );
}
