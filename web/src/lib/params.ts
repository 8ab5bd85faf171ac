/**
 * Strategy parameter fields generated from the registry's metadata:
 * initial form values, input steps and validation into typed values.
 */
import type { MessageKey } from "../i18n/en";
import type { ParamValue, StrategyParam } from "../api/types";

/** What a form holds for a parameter: text for inputs/selects, a flag for checkboxes. */
export type FieldValue = string | boolean;
export type FieldValues = Record<string, FieldValue>;

/** One validation problem, translated by the caller. */
export interface FieldProblem {
  key: MessageKey;
  vars: Record<string, string | number>;
}

/** Form values holding every parameter's default. */
export function defaultFieldValues(params: readonly StrategyParam[]): FieldValues {
  const values: FieldValues = {};
  for (const param of params) {
    if (param.type === "bool") values[param.name] = param.default === true;
    else values[param.name] = String(param.default);
  }
  return values;
}

function decimalsOf(value: number | null | undefined): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return 0;
  const text = String(value);
  if (text.includes("e-")) return Number(text.split("e-")[1]);
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The `step` of a number input: 1 for ints, the finest decimal of the metadata for floats. */
export function stepOf(param: StrategyParam): string {
  if (param.type === "int") return "1";
  const numeric = typeof param.default === "number" ? param.default : null;
  const decimals = Math.max(1, decimalsOf(numeric), decimalsOf(param.min), decimalsOf(param.max));
  return (10 ** -Math.min(decimals, 8)).toFixed(Math.min(decimals, 8));
}

/** Whether a parameter is edited with a select (it lists its allowed values). */
export function hasChoices(param: StrategyParam): param is StrategyParam & { choices: string[] } {
  return Array.isArray(param.choices) && param.choices.length > 0;
}

function parseOne(param: StrategyParam, raw: FieldValue): { value?: ParamValue; problem?: FieldProblem } {
  const name = param.name;
  if (param.type === "bool") return { value: raw === true };
  if (hasChoices(param)) {
    const choice = param.choices.find((c) => String(c) === raw);
    return choice === undefined ? { problem: { key: "err.paramRequired", vars: { name } } } : { value: choice };
  }
  const text = typeof raw === "string" ? raw.trim() : "";
  if (param.type === "str") return { value: text };
  if (text === "") return { problem: { key: "err.paramRequired", vars: { name } } };
  const number = Number(text);
  if (!Number.isFinite(number)) return { problem: { key: "err.paramNumber", vars: { name } } };
  if (param.type === "int" && !Number.isInteger(number)) return { problem: { key: "err.paramInt", vars: { name } } };
  if (param.min !== null && param.min !== undefined && number < param.min) {
    return { problem: { key: "err.paramMin", vars: { name, min: param.min } } };
  }
  if (param.max !== null && param.max !== undefined && number > param.max) {
    return { problem: { key: "err.paramMax", vars: { name, max: param.max } } };
  }
  return { value: number };
}

/** Typed parameter values, or the problems that prevent building them. */
export function parseFieldValues(
  params: readonly StrategyParam[],
  values: FieldValues,
): { values: Record<string, ParamValue>; problems: FieldProblem[] } {
  const parsed: Record<string, ParamValue> = {};
  const problems: FieldProblem[] = [];
  for (const param of params) {
    const raw = values[param.name] ?? (param.type === "bool" ? false : "");
    const { value, problem } = parseOne(param, raw);
    if (problem) problems.push(problem);
    else if (value !== undefined) parsed[param.name] = value;
  }
  return { values: parsed, problems };
}
