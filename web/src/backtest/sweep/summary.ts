/**
 * Small readers over a sweep and its trials: the axes of its space, the trials'
 * verification marks, the direction of an objective.
 */
import type { SweepTrial } from "../../api/types";

/** Objectives where a lower value is better. */
const MINIMISED = new Set<string>(["max_drawdown_pct"]);

/** Whether a higher value of `objective` is better. */
export function maximises(objective: string): boolean {
  return !MINIMISED.has(objective);
}

/** One swept parameter and the values it took, in the space's order. */
export interface SpaceAxis {
  name: string;
  values: (number | string | boolean)[];
  numeric: boolean;
}

function parseValue(text: string): number | string | boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  const number = Number(text);
  return text.trim() !== "" && Number.isFinite(number) ? number : text;
}

/** The axes of `space` texts (`fast=5,10,15`; a `start:stop:step` text is expanded). */
export function parseSpace(space: readonly string[]): SpaceAxis[] {
  return space.map((text) => {
    const at = text.indexOf("=");
    const name = at < 0 ? text : text.slice(0, at);
    const body = at < 0 ? "" : text.slice(at + 1);
    let values: (number | string | boolean)[];
    const range = body.split(":");
    if (range.length === 3 && range.every((part) => Number.isFinite(Number(part)) && part.trim() !== "")) {
      const [from = "0", to = "0", step = "1"] = range;
      const places = Math.max(...range.map((part) => (part.includes(".") ? part.length - part.indexOf(".") - 1 : 0)));
      const scale = 10 ** places;
      const start = Math.round(Number(from) * scale);
      const stop = Math.round(Number(to) * scale);
      const stride = Math.round(Number(step) * scale);
      values = [];
      for (let value = start; stride > 0 && value <= stop && values.length < 10_000; value += stride) values.push(value / scale);
    } else {
      values = body.split(",").map((part) => parseValue(part.trim()));
    }
    return { name, values, numeric: values.length > 0 && values.every((v) => typeof v === "number") };
  });
}

/** A trial's key in its sweep: window and number. */
export function trialKey(trial: { window: number; number: number }): string {
  return `${trial.window}:${trial.number}`;
}

/** Verification of a screened trial by its key: `true` agreed, `false` differed or failed. */
export function verificationMarks(verify: readonly SweepTrial[] | null): Map<string, { ok: boolean; note: string | null }> {
  const marks = new Map<string, { ok: boolean; note: string | null }>();
  for (const trial of verify ?? []) {
    const check = trial.verification;
    const ok = trial.status === "done" && check?.ok === true;
    marks.set(trialKey(trial), { ok, note: check?.first_difference ?? trial.error ?? null });
  }
  return marks;
}

/** Whether `a` ranks better than `b` under the objective's direction. */
export function better(a: number, b: number, maximize: boolean): boolean {
  return maximize ? a > b : a < b;
}
