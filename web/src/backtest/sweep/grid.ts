/**
 * The search space of the sweep form: per strategy parameter whether it is swept and,
 * for a numeric one, its From / To / Step texts exactly as typed. Builds the `grid`
 * texts of `POST /sweeps` (`fast=5:50:5`, `allow_short=true,false`), counts the grid
 * points the way the backend does (both ends included, decimal-exact) and names every
 * problem per field without touching what the person typed.
 */
import type { StrategyParam } from "../../api/types";
import { hasChoices, type FieldProblem } from "../../lib/params";

/** Most values one axis may hold (the backend's `MAX_AXIS_VALUES`). */
export const MAX_AXIS_VALUES = 10_000;
/** Most points a whole grid may hold (the backend's `MAX_GRID_POINTS`). */
export const MAX_GRID_POINTS = 1_000_000;
/** Values a prefilled numeric axis aims at. */
const PREFILL_VALUES = 5;

/** What the form holds for one parameter's axis. */
export interface AxisDraft {
  swept: boolean;
  from: string;
  to: string;
  step: string;
}
export type AxisDrafts = Record<string, AxisDraft>;

/** Which input of an axis a problem belongs to. */
export type AxisPart = "from" | "to" | "step";

export interface AxisProblem extends FieldProblem {
  part: AxisPart;
}

/** An axis checked: its grid text and value count, or the problems of its inputs. */
export interface AxisCheck {
  text: string | null;
  count: number;
  problems: AxisProblem[];
}

/** Whether a parameter can be swept (numbers, flags and parameters with listed choices). */
export function isSweepable(param: StrategyParam): boolean {
  return param.type === "int" || param.type === "float" || param.type === "bool" || hasChoices(param);
}

/** Whether a parameter is swept over a From / To / Step range. */
export function isRange(param: StrategyParam): boolean {
  return (param.type === "int" || param.type === "float") && !hasChoices(param);
}

function decimals(text: string): number {
  const lower = text.toLowerCase();
  if (lower.includes("e")) {
    const [mantissa = "", exponent = "0"] = lower.split("e");
    return Math.max(0, decimals(mantissa) - Number(exponent));
  }
  const dot = lower.indexOf(".");
  return dot < 0 ? 0 : lower.length - dot - 1;
}

/** A float shown without binary noise (`0.30000000000000004` → `0.3`). */
function tidy(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** A step of about 1, 2 or 5 × a power of ten, near `span / parts`. */
function niceStep(span: number, parts: number): number {
  const raw = span / parts;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const nice = scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10;
  return nice * power;
}

/** An axis prefilled from the parameter's default and bounds (not swept yet). */
export function defaultAxisDraft(param: StrategyParam): AxisDraft {
  if (!isRange(param)) return { swept: false, from: "", to: "", step: "" };
  const min = param.min ?? null;
  const max = param.max ?? null;
  const clamp = (value: number) => Math.min(max ?? Infinity, Math.max(min ?? -Infinity, value));
  const fallback = typeof param.default === "number" ? param.default : (min ?? 0);
  let from: number;
  let to: number;
  if (fallback > 0) {
    from = clamp(fallback / 2);
    to = clamp(fallback * 2);
  } else {
    from = clamp(fallback);
    to = clamp(fallback + (param.type === "int" ? 10 : 1));
  }
  if (param.type === "int") {
    from = Math.ceil(from);
    to = Math.floor(to);
    const step = Math.max(1, Math.round(niceStep(to - from, PREFILL_VALUES - 1)));
    to = from + Math.max(0, Math.floor((to - from) / step)) * step;
    return { swept: false, from: String(from), to: String(to), step: String(step) };
  }
  const step = niceStep(to - from, PREFILL_VALUES - 1);
  const places = Math.max(0, decimals(tidy(step)));
  const round = (value: number) => Number(value.toFixed(places));
  from = round(from);
  to = round(from + Math.max(0, Math.floor((to - from) / step + 1e-9)) * step);
  return { swept: false, from: tidy(from), to: tidy(to), step: tidy(step) };
}

/** Prefilled axes of every parameter of a strategy. */
export function defaultAxisDrafts(params: readonly StrategyParam[]): AxisDrafts {
  return Object.fromEntries(params.map((param) => [param.name, defaultAxisDraft(param)]));
}

/** The values a choice or flag parameter takes when swept. */
export function listedValues(param: StrategyParam): string[] {
  if (param.type === "bool") return ["true", "false"];
  return hasChoices(param) ? param.choices.map(String) : [];
}

/** Decimal-exact values of `from:to:step`, both ends included (at most `limit`). */
export function rangeValues(from: string, to: string, step: string, limit = MAX_AXIS_VALUES): number[] {
  const places = Math.min(12, Math.max(decimals(from.trim()), decimals(to.trim()), decimals(step.trim())));
  const scale = 10 ** places;
  const start = Math.round(Number(from) * scale);
  const stop = Math.round(Number(to) * scale);
  const stride = Math.round(Number(step) * scale);
  if (!(stride > 0) || stop < start) return [];
  const count = Math.min(limit, Math.floor((stop - start) / stride) + 1);
  return Array.from({ length: count }, (_, index) => (start + stride * index) / scale);
}

function countOf(from: number, to: number, step: string, fromText: string, toText: string): number {
  const places = Math.min(12, Math.max(decimals(fromText), decimals(toText), decimals(step)));
  const scale = 10 ** places;
  const stride = Math.round(Number(step) * scale);
  return stride > 0 ? Math.floor((Math.round(to * scale) - Math.round(from * scale)) / stride) + 1 : 0;
}

/** Check one axis of `param` (whether swept or not: the caller asks for swept ones). */
export function checkAxis(param: StrategyParam, draft: AxisDraft): AxisCheck {
  const name = param.name;
  if (!isRange(param)) {
    const values = listedValues(param);
    return { text: `${name}=${values.join(",")}`, count: values.length, problems: [] };
  }
  const problems: AxisProblem[] = [];
  const parsed: Partial<Record<AxisPart, number>> = {};
  for (const part of ["from", "to", "step"] as const) {
    const text = draft[part].trim();
    const label = part;
    if (text === "") {
      problems.push({ part, key: "sweep.err.required", vars: { name, part: label } });
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) {
      problems.push({ part, key: "sweep.err.number", vars: { name, part: label } });
      continue;
    }
    if (param.type === "int" && !Number.isInteger(value)) {
      problems.push({ part, key: "sweep.err.int", vars: { name, part: label } });
      continue;
    }
    parsed[part] = value;
  }
  const { from, to, step } = parsed;
  const min = param.min ?? null;
  const max = param.max ?? null;
  if (from !== undefined && min !== null && from < min) problems.push({ part: "from", key: "sweep.err.min", vars: { name, min } });
  if (from !== undefined && max !== null && from > max) problems.push({ part: "from", key: "sweep.err.max", vars: { name, max } });
  if (to !== undefined && max !== null && to > max) problems.push({ part: "to", key: "sweep.err.max", vars: { name, max } });
  if (step !== undefined && step <= 0) problems.push({ part: "step", key: "sweep.err.step", vars: { name } });
  if (from !== undefined && to !== undefined && to < from) problems.push({ part: "to", key: "sweep.err.toBelowFrom", vars: { name } });
  if (problems.length > 0 || from === undefined || to === undefined || step === undefined) {
    return { text: null, count: 0, problems };
  }
  const count = countOf(from, to, draft.step.trim(), draft.from.trim(), draft.to.trim());
  if (count > MAX_AXIS_VALUES) {
    return {
      text: null,
      count,
      problems: [{ part: "step", key: "sweep.err.tooMany", vars: { name, count, max: MAX_AXIS_VALUES } }],
    };
  }
  return { text: `${name}=${draft.from.trim()}:${draft.to.trim()}:${draft.step.trim()}`, count, problems: [] };
}

/** The swept axes of a strategy checked: grid texts, the grid's size and every problem. */
export function checkSpace(
  params: readonly StrategyParam[],
  drafts: AxisDrafts,
): { grid: string[]; size: number; complete: boolean; checks: Record<string, AxisCheck> } {
  const grid: string[] = [];
  const checks: Record<string, AxisCheck> = {};
  let size = 1;
  let complete = true;
  for (const param of params) {
    const draft = drafts[param.name];
    if (!draft?.swept || !isSweepable(param)) continue;
    const check = checkAxis(param, draft);
    checks[param.name] = check;
    if (check.text === null) complete = false;
    else grid.push(check.text);
    size *= check.count;
  }
  return { grid, size: complete ? size : 0, complete, checks };
}
