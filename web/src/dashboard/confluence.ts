/**
 * Reading a confluence signal's payload (the 15m confluence engine, seed 002): its
 * `breakdown` carries each layer's score (`ta_score`, `orderflow_score`,
 * `<layer>_score`, 0–100, 50 neutral, above 50 bullish), its agreement with the signal's
 * side (`<layer>_agreement`), its freshness (`<layer>_freshness`) and, for a layer left
 * out, `<layer>_missing`; the score's arithmetic (`confluence_raw` × `missing_penalty` ×
 * `regime_modifier`). Why a layer is missing is in the plugin's reason
 * `missing layers: onchain (why); backtest (why)`, the market regime in `regime NAME`.
 * A signal is confluence-shaped when its breakdown has any of those layer keys, whichever
 * strategy emitted it.
 */
import type { SimSignal } from "../api/types";

/** The five layers of seed 002 §7.2, in its order, with the key of each one's score. */
export const LAYERS = [
  { name: "technical", scoreKey: "ta_score" },
  { name: "orderflow", scoreKey: "orderflow_score" },
  { name: "onchain", scoreKey: "onchain_score" },
  { name: "sentiment", scoreKey: "sentiment_score" },
  { name: "backtest", scoreKey: "backtest_score" },
] as const;

export type LayerName = (typeof LAYERS)[number]["name"];

/** One layer of one signal as the panel shows it. */
export interface LayerView {
  name: LayerName;
  score: number | null;
  agreement: number | null;
  freshness: number | null;
  missing: boolean;
  /** Why it is missing, in the plugin's words (null: it gave none). */
  why: string | null;
  /** The plugin's first reason about the layer (`onchain: …`), if any. */
  reason: string | null;
}

/** How the confluence score was reached. */
export interface ScoreMath {
  raw: number;
  penalty: number;
  modifier: number;
  missing: number;
}

const MISSING_PREFIX = "missing layers: ";
const REGIME_PREFIX = "regime ";

type Breakdown = Readonly<Record<string, number>> | null | undefined;

function value(breakdown: Breakdown, key: string): number | null {
  const found = breakdown?.[key];
  return typeof found === "number" && Number.isFinite(found) ? found : null;
}

/** Whether a breakdown has the confluence layers' keys. */
export function isConfluence(breakdown: Breakdown): boolean {
  if (!breakdown) return false;
  return LAYERS.some(({ name }) => `${name}_agreement` in breakdown || `${name}_missing` in breakdown);
}

/** Why each missing layer is missing, from the plugin's `missing layers: …` reason. */
export function missingReasons(reasons: readonly string[] | null | undefined): Partial<Record<LayerName, string>> {
  const found: Partial<Record<LayerName, string>> = {};
  const names = LAYERS.map((layer) => layer.name).join("|");
  const split = new RegExp(`; (?=(?:${names}) \\()`);
  for (const reason of reasons ?? []) {
    if (!reason.startsWith(MISSING_PREFIX)) continue;
    for (const part of reason.slice(MISSING_PREFIX.length).split(split)) {
      const open = part.indexOf(" (");
      if (open < 0 || !part.endsWith(")")) continue;
      const name = part.slice(0, open);
      if (LAYERS.some((layer) => layer.name === name)) found[name as LayerName] = part.slice(open + 2, -1);
    }
  }
  return found;
}

/** The plugin's first reason about a layer (`onchain: …`), without the name. */
export function layerReason(reasons: readonly string[] | null | undefined, name: LayerName): string | null {
  const prefix = `${name}: `;
  const found = (reasons ?? []).find((reason) => reason.startsWith(prefix));
  return found === undefined ? null : found.slice(prefix.length);
}

/** The five layers of a signal. */
export function confluenceLayers(signal: Pick<SimSignal, "breakdown" | "reasons">): LayerView[] {
  const breakdown = signal.breakdown;
  const whys = missingReasons(signal.reasons);
  return LAYERS.map(({ name, scoreKey }) => {
    const agreement = value(breakdown, `${name}_agreement`);
    const missing = value(breakdown, `${name}_missing`) !== null || agreement === null;
    return {
      name,
      score: missing ? null : value(breakdown, scoreKey),
      agreement: missing ? null : agreement,
      freshness: value(breakdown, `${name}_freshness`),
      missing,
      why: missing ? (whys[name] ?? null) : null,
      reason: layerReason(signal.reasons, name),
    };
  });
}

/** The score's arithmetic, when the breakdown carries it. */
export function scoreMath(breakdown: Breakdown): ScoreMath | null {
  const raw = value(breakdown, "confluence_raw");
  const penalty = value(breakdown, "missing_penalty");
  if (raw === null || penalty === null) return null;
  return {
    raw,
    penalty,
    modifier: value(breakdown, "regime_modifier") ?? 1,
    missing: value(breakdown, "missing_layers") ?? 0,
  };
}

/** Layer 4's market regime as the plugin named it (`regime RISK_ON`), if it did. */
export function regimeOf(reasons: readonly string[] | null | undefined): string | null {
  const found = (reasons ?? []).find((reason) => reason.startsWith(REGIME_PREFIX));
  return found === undefined ? null : found.slice(REGIME_PREFIX.length);
}
