/** One strategy parameter as a form control chosen from its metadata. */
import type { StrategyParam } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { usePluginText } from "../lib/pluginText";
import { hasChoices, stepOf, type FieldValue, type FieldValues } from "../lib/params";

interface ParamFieldProps {
  param: StrategyParam;
  value: FieldValue;
  onChange: (value: FieldValue) => void;
  disabled: boolean;
  /** Prefix of the control's id (distinct per form). */
  idPrefix?: string;
  /** The strategy's name (its parameter descriptions are translated by it). */
  strategy?: string;
}

export function ParamField({ param, value, onChange, disabled, idPrefix = "param", strategy }: ParamFieldProps) {
  const { t } = useI18n();
  const texts = usePluginText();
  const id = `${idPrefix}-${param.name}`;
  const helpId = `${id}-help`;
  const hints: string[] = [];
  if (param.description) hints.push(texts.param(strategy, param.name, param.description));
  const shown = typeof param.default === "boolean" ? t(param.default ? "form.true" : "form.false") : String(param.default);
  hints.push(t("form.paramDefault", { value: shown }));
  const hasMin = param.min !== null && param.min !== undefined;
  const hasMax = param.max !== null && param.max !== undefined;
  if (hasMin || hasMax) {
    hints.push(t("form.paramRange", { min: hasMin ? String(param.min) : "−∞", max: hasMax ? String(param.max) : "∞" }));
  }
  const help = <small id={helpId} className="help">{hints.join(" · ")}</small>;
  const describedBy = helpId;

  if (param.type === "bool") {
    return (
      <div className="field field-check" data-testid={`param-field-${param.name}`}>
        <label htmlFor={id} className="check">
          <input
            id={id}
            name={param.name}
            type="checkbox"
            checked={value === true}
            disabled={disabled}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.checked)}
          />
          <span className="param-name">{param.name}</span>
        </label>
        {help}
      </div>
    );
  }

  let control;
  if (hasChoices(param)) {
    control = (
      <select
        id={id}
        name={param.name}
        value={String(value)}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      >
        {param.choices.map((choice) => (
          <option key={String(choice)} value={String(choice)}>
            {String(choice)}
          </option>
        ))}
      </select>
    );
  } else if (param.type === "str") {
    control = (
      <input
        id={id}
        name={param.name}
        type="text"
        value={String(value)}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  } else {
    control = (
      <input
        id={id}
        name={param.name}
        type="number"
        inputMode={param.type === "int" ? "numeric" : "decimal"}
        step={stepOf(param)}
        min={param.min ?? undefined}
        max={param.max ?? undefined}
        value={String(value)}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  }

  return (
    <div className="field" data-testid={`param-field-${param.name}`}>
      <label htmlFor={id} className="param-name">
        {param.name}
      </label>
      {control}
      {help}
    </div>
  );
}

interface ParamFieldsProps {
  strategy: { name: string; params: StrategyParam[] };
  fields: FieldValues;
  setFields: (update: (prev: FieldValues) => FieldValues) => void;
  disabled: boolean;
  idPrefix?: string;
}

/** Every parameter of a strategy as form controls, each defaulting to empty (or unchecked). */
export function ParamFields({ strategy, fields, setFields, disabled, idPrefix }: ParamFieldsProps) {
  return (
    <>
      {strategy.params.map((param) => (
        <ParamField
          key={`${strategy.name}-${param.name}`}
          idPrefix={idPrefix}
          strategy={strategy.name}
          param={param}
          value={fields[param.name] ?? (param.type === "bool" ? false : "")}
          disabled={disabled}
          onChange={(value: FieldValue) => setFields((prev) => ({ ...prev, [param.name]: value }))}
        />
      ))}
    </>
  );
}
