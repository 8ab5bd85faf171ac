/**
 * "Properties" of the backtest and sweep forms, collapsed by default: the run's economics —
 * initial capital, risk per trade, leverage, maker and taker fees, slippage and
 * the funding model with its rate — prefilled with the environment's values
 * (`GET /settings/properties`, with their bounds). Each field is checked as
 * typed (the text is never rewritten; a problem shows under the field) and only
 * the values that differ from the environment's are sent as `properties`.
 */
import { useEffect, useState } from "react";

import { getProperties } from "../api/client";
import type { FundingModel, PropertiesSchema, PropertyField, RunProperties } from "../api/types";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber } from "../lib/format";
import type { FieldProblem } from "../lib/params";
import { useLoaded } from "../lib/useLoaded";

/** What the section holds: the text of each numeric property and the funding model. */
export interface PropertiesDraft {
  values: Record<string, string>;
  fundingModel: FundingModel | null;
}

const LABELS: Record<string, MessageKey> = {
  initial_capital: "props.initial_capital",
  risk_per_trade_pct: "props.risk_per_trade_pct",
  max_leverage: "props.max_leverage",
  maker_fee_pct: "props.maker_fee_pct",
  taker_fee_pct: "props.taker_fee_pct",
  slippage_pct: "props.slippage_pct",
  funding_rate: "props.funding_rate",
};

/** The label of a property (its API name when unknown). */
export function usePropertyLabel(): (name: string) => string {
  const { t } = useI18n();
  return (name) => {
    const key = LABELS[name];
    return key ? t(key) : name;
  };
}

/** The environment's properties (`GET /settings/properties`). */
function loadProperties(signal: AbortSignal): Promise<PropertiesSchema> {
  return getProperties(signal);
}

/** Loads the environment's properties once. */
export function usePropertiesSchema(): { schema: PropertiesSchema | null; error: string | null } {
  const { value, error } = useLoaded(loadProperties);
  return { schema: value, error };
}

/** A draft holding the environment's values. */
export function defaultPropertiesDraft(schema: PropertiesSchema | null): PropertiesDraft {
  const values: Record<string, string> = {};
  for (const field of schema?.fields ?? []) values[field.name] = String(field.default);
  return { values, fundingModel: schema?.funding_model ?? null };
}

/** The decimals a value needs to show exactly (at most 8). */
export function exactDecimals(value: number): number {
  const text = String(value);
  if (text.includes("e-")) return 8;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : Math.min(8, text.length - dot - 1);
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** The number typed in a property field, or what is wrong with it (`name`: its label). */
export function checkProperty(field: PropertyField, text: string, name: string): { value?: number; problem?: FieldProblem } {
  const trimmed = text.trim();
  if (trimmed === "") return { problem: { key: "err.paramRequired", vars: { name } } };
  if (!DECIMAL.test(trimmed)) return { problem: { key: "err.paramNumber", vars: { name } } };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { problem: { key: "err.paramNumber", vars: { name } } };
  if (field.min !== null && (field.min_exclusive ? value <= field.min : value < field.min)) {
    return { problem: { key: field.min_exclusive ? "props.err.above" : "err.paramMin", vars: { name, min: field.min } } };
  }
  if (field.max !== null && (field.max_exclusive ? value >= field.max : value > field.max)) {
    return { problem: { key: field.max_exclusive ? "props.err.below" : "err.paramMax", vars: { name, max: field.max } } };
  }
  return { value };
}

/** Whether the rate field means anything under the chosen funding model. */
function rateApplies(draft: PropertiesDraft): boolean {
  return draft.fundingModel !== "none";
}

/** The properties of a draft that differ from the environment's, or its problems. */
export function propertiesOf(
  schema: PropertiesSchema | null,
  draft: PropertiesDraft,
  labelOf: (name: string) => string,
): { properties: RunProperties | null; problems: FieldProblem[] } {
  const changed: Record<string, number | string> = {};
  const problems: FieldProblem[] = [];
  for (const field of schema?.fields ?? []) {
    if (field.name === "funding_rate" && !rateApplies(draft)) continue;
    const { value, problem } = checkProperty(field, draft.values[field.name] ?? String(field.default), labelOf(field.name));
    if (problem) problems.push(problem);
    else if (value !== undefined && value !== field.default) changed[field.name] = value;
  }
  if (schema && draft.fundingModel !== null && draft.fundingModel !== schema.funding_model) changed.funding_model = draft.fundingModel;
  return { properties: Object.keys(changed).length > 0 ? (changed as RunProperties) : null, problems };
}

/** A form's properties: the environment's (loaded once), the draft starting from them, and
 * `check()`, the values that differ from the environment's or the draft's problems. */
export function usePropertiesDraft(): {
  schema: PropertiesSchema | null;
  error: string | null;
  draft: PropertiesDraft;
  setDraft: (update: (prev: PropertiesDraft) => PropertiesDraft) => void;
  check: () => { properties: RunProperties | null; problems: FieldProblem[] };
} {
  const { schema, error } = usePropertiesSchema();
  const [draft, setDraft] = useState<PropertiesDraft>(() => defaultPropertiesDraft(null));
  useEffect(() => setDraft(defaultPropertiesDraft(schema)), [schema]);
  const labelOf = usePropertyLabel();
  return { schema, error, draft, setDraft, check: () => propertiesOf(schema, draft, labelOf) };
}

interface PropertiesSectionProps {
  schema: PropertiesSchema | null;
  error: string | null;
  draft: PropertiesDraft;
  setDraft: (update: (prev: PropertiesDraft) => PropertiesDraft) => void;
  disabled: boolean;
  /** Prefix of the inputs' ids (each form on the page needs its own). */
  idPrefix?: string;
}

export function PropertiesSection({ schema, error, draft, setDraft, disabled, idPrefix = "bt" }: PropertiesSectionProps) {
  const { t, locale } = useI18n();
  const labelOf = usePropertyLabel();
  const fields = schema?.fields ?? [];
  const { properties } = propertiesOf(schema, draft, labelOf);
  const changed = Object.keys(properties ?? {}).length;
  const setValue = (name: string, value: string) => setDraft((prev) => ({ ...prev, values: { ...prev.values, [name]: value } }));

  const control = (field: PropertyField) => {
    const id = `${idPrefix}-prop-${field.name}`;
    const off = field.name === "funding_rate" && !rateApplies(draft);
    const text = draft.values[field.name] ?? "";
    const { problem } = off ? { problem: undefined } : checkProperty(field, text, labelOf(field.name));
    const helpKey: MessageKey = field.name === "funding_rate" ? "props.fundingRateHelp" : "form.paramDefault";
    return (
      <div className="field" key={field.name}>
        <label htmlFor={id}>{labelOf(field.name)}</label>
        <input
          id={id}
          name={field.name}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          value={text}
          disabled={disabled || off}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${id}-help`}
          onChange={(event) => setValue(field.name, event.target.value)}
        />
        {problem ? (
          <small id={`${id}-help`} className="field-error" data-testid={`prop-error-${field.name}`}>
            {t(problem.key, problem.vars)}
          </small>
        ) : (
          <small id={`${id}-help`} className="help">
            {t(helpKey, { value: formatNumber(field.default, locale, exactDecimals(field.default)) })}
          </small>
        )}
      </div>
    );
  };

  return (
    <details className="params params-collapsible" data-testid="run-properties">
      <summary>
        {t("props.title")} <span className="muted small">({changed > 0 ? t("props.changed", { n: changed }) : t("props.defaults")})</span>
      </summary>
      {error !== null ? <p className="muted">{t("err.load", { error })}</p> : null}
      {schema === null && error === null ? <p className="muted">{t("form.loading")}</p> : null}
      {schema !== null ? (
        <>
          <div className="form-grid">
            {fields.filter((field) => field.name !== "funding_rate").map(control)}
            <div className="field">
              <label htmlFor={`${idPrefix}-prop-funding_model`}>{t("props.funding_model")}</label>
              <select
                id={`${idPrefix}-prop-funding_model`}
                value={draft.fundingModel ?? schema.funding_model}
                disabled={disabled}
                aria-describedby={`${idPrefix}-prop-funding_model-help`}
                onChange={(event) => {
                  const model = event.target.value as FundingModel;
                  setDraft((prev) => ({ ...prev, fundingModel: model }));
                }}
              >
                {schema.funding_models.map((model) => (
                  <option key={model} value={model}>
                    {t(`funding.${model}`)}
                  </option>
                ))}
              </select>
              <small id={`${idPrefix}-prop-funding_model-help`} className="help">
                {t(`funding.${draft.fundingModel ?? schema.funding_model}Help`)}
              </small>
            </div>
            {fields.filter((field) => field.name === "funding_rate").map(control)}
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-small" disabled={disabled} onClick={() => setDraft(() => defaultPropertiesDraft(schema))} data-testid="props-defaults">
              {t("props.reset")}
            </button>
          </div>
        </>
      ) : null}
    </details>
  );
}
