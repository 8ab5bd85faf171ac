/**
 * Typed client of the ScalpLab REST API (same origin as the SPA).
 *
 * Every failure becomes an `ApiError` whose message is the server's `detail`
 * (or a readable summary of a validation error), ready to show to the user.
 */
import type {
  AppSettings,
  BacktestAccepted,
  BacktestCreate,
  BacktestDetail,
  BacktestSummary,
  Candle,
  EngineStatus,
  MarketSymbol,
  Order,
  PairCreate,
  PairInfo,
  PendingConfirmation,
  Performance,
  Portfolio,
  Position,
  PositionClosed,
  RiskEvent,
  SettingsPatch,
  SimSignal,
  SimTrade,
  SimulationStart,
  StrategyInfo,
} from "./types";

/** An API call that failed; `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

interface ValidationIssue {
  loc?: unknown[];
  msg?: string;
}

/** Turn a FastAPI error body (`{"detail": ...}`) into one readable line. */
export function describeDetail(detail: unknown): string | null {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((issue: ValidationIssue) => {
      const where = (issue.loc ?? []).filter((p) => p !== "body").join(".");
      const msg = issue.msg ?? JSON.stringify(issue);
      return where ? `${where}: ${msg}` : msg;
    });
    return parts.length > 0 ? parts.join("; ") : null;
  }
  if (detail !== null && detail !== undefined) return JSON.stringify(detail);
  return null;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (signal) init.signal = signal;
  if (body !== undefined) {
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, `cannot reach the server (${String(error)})`);
  }
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const detail =
      payload !== null && typeof payload === "object" && "detail" in payload
        ? describeDetail((payload as { detail: unknown }).detail)
        : null;
    throw new ApiError(response.status, detail ?? `HTTP ${response.status} ${response.statusText}`.trim());
  }
  return payload as T;
}

/** A request whose answer must be a JSON array (anything else is an `ApiError`). */
async function requestList<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const payload = await request<unknown>("GET", path, undefined, signal);
  if (!Array.isArray(payload)) throw new ApiError(0, `unexpected answer from ${path.split("?")[0] ?? path}`);
  return payload as T[];
}

/** A request whose answer must be a JSON object. */
async function requestObject<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const payload = await request<unknown>(method, path, body, signal);
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new ApiError(0, `unexpected answer from ${path.split("?")[0] ?? path}`);
  }
  return payload as T;
}

/** Symbols with stored candles and their date spans. */
export function listSymbols(signal?: AbortSignal): Promise<MarketSymbol[]> {
  return request("GET", "/market/symbols", undefined, signal);
}

/** Registered strategies with their parameter metadata. */
export function listStrategies(signal?: AbortSignal): Promise<StrategyInfo[]> {
  return request("GET", "/strategies", undefined, signal);
}

/** Candles of `pair` at `tf` between two ISO dates/times. */
export function getCandles(
  pair: string,
  tf: string,
  start: string,
  end: string,
  signal?: AbortSignal,
): Promise<Candle[]> {
  const query = new URLSearchParams({ tf, start, end });
  return request("GET", `/market/candles/${encodeURIComponent(pair)}?${query.toString()}`, undefined, signal);
}

/** Queue a backtest run. */
export function createBacktest(body: BacktestCreate): Promise<BacktestAccepted> {
  return request("POST", "/backtests", body);
}

/** Stored backtests, newest first. */
export function listBacktests(signal?: AbortSignal): Promise<BacktestSummary[]> {
  return request("GET", "/backtests", undefined, signal);
}

/** One backtest with its full result once done. */
export function getBacktest(id: string, signal?: AbortSignal): Promise<BacktestDetail> {
  return request("GET", `/backtests/${encodeURIComponent(id)}`, undefined, signal);
}

/** Delete one stored backtest. */
export function deleteBacktest(id: string): Promise<unknown> {
  return request("DELETE", `/backtests/${encodeURIComponent(id)}`);
}

/** Delete every stored backtest. */
export function deleteAllBacktests(): Promise<unknown> {
  return request("DELETE", "/backtests");
}

/* ---------- pairs ---------- */

/** Followed pairs, oldest first. */
export function listPairs(signal?: AbortSignal): Promise<PairInfo[]> {
  return requestList("/pairs", signal);
}

/** Follow a pair with a strategy, timeframe and params. */
export function createPair(body: PairCreate): Promise<PairInfo> {
  return request("POST", "/pairs", body);
}

/** Enable or disable a followed pair. */
export function setPairEnabled(symbol: string, enabled: boolean): Promise<PairInfo> {
  return request("PATCH", `/pairs/${encodeURIComponent(symbol)}`, { enabled });
}

/** Stop following a pair. */
export function deletePair(symbol: string): Promise<unknown> {
  return request("DELETE", `/pairs/${encodeURIComponent(symbol)}`);
}

/* ---------- signals, orders, settings ---------- */

/** The engine's latest signals, newest first (optionally of one symbol). */
export function listSignals(limit: number, symbol?: string, signal?: AbortSignal): Promise<SimSignal[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (symbol) query.set("symbol", symbol);
  return requestList(`/signals?${query.toString()}`, signal);
}

/** URL of the server-sent event stream of signals and engine changes. */
export const SIGNAL_STREAM_URL = "/signals/stream";

/** Orders waiting for a confirmation. */
export function listPending(signal?: AbortSignal): Promise<PendingConfirmation[]> {
  return requestList("/orders/pending", signal);
}

/** Confirm a pending order: it is executed. */
export function confirmPending(id: string): Promise<Order> {
  return request("POST", `/orders/pending/${encodeURIComponent(id)}/confirm`);
}

/** Reject a pending order: it is dropped. */
export function rejectPending(id: string): Promise<Order> {
  return request("POST", `/orders/pending/${encodeURIComponent(id)}/reject`);
}

/** Orders of the queue (strategy and manual), newest first. */
export function listOrders(limit: number, signal?: AbortSignal): Promise<Order[]> {
  return requestList(`/orders?limit=${limit}`, signal);
}

/** Paper-trading settings. */
export function getSettings(signal?: AbortSignal): Promise<AppSettings> {
  return requestObject("GET", "/settings", undefined, signal);
}

/** Change some settings; a 422 carries the reason. */
export function updateSettings(patch: SettingsPatch): Promise<AppSettings> {
  return requestObject("PATCH", "/settings", patch);
}

/* ---------- simulation ---------- */

/** Engine state, feed and progress. */
export function getSimStatus(signal?: AbortSignal): Promise<EngineStatus> {
  return requestObject("GET", "/simulation/status", undefined, signal);
}

/** Account totals of the paper portfolio. */
export function getPortfolio(signal?: AbortSignal): Promise<Portfolio> {
  return requestObject("GET", "/simulation/portfolio", undefined, signal);
}

/** Open positions, marked at each pair's last close. */
export function listPositions(signal?: AbortSignal): Promise<Position[]> {
  return requestList("/simulation/positions", signal);
}

/** Closed simulation trades, newest exit first. */
export function listSimTrades(limit: number, signal?: AbortSignal): Promise<SimTrade[]> {
  return requestList(`/simulation/trades?limit=${limit}`, signal);
}

/** Performance metrics over the simulation. */
export function getPerformance(signal?: AbortSignal): Promise<Performance> {
  return requestObject("GET", "/simulation/performance", undefined, signal);
}

/** Blocks of the risk gate, newest first. */
export function listRiskEvents(limit: number, signal?: AbortSignal): Promise<RiskEvent[]> {
  return requestList(`/simulation/risk-events?limit=${limit}`, signal);
}

/** Start (or continue) the replay; without a body at the `replay_speed` setting. */
export function startSimulation(body: SimulationStart = {}): Promise<EngineStatus> {
  return requestObject("POST", "/simulation/start", body);
}

/** Stop the replay; positions, orders and confirmations stay. */
export function stopSimulation(): Promise<EngineStatus> {
  return requestObject("POST", "/simulation/stop");
}

/** Stop and wipe the paper portfolio (every `_sim` table). */
export function resetSimulation(): Promise<EngineStatus> {
  return requestObject("POST", "/simulation/reset");
}

/** Close a position at the next bar's open. */
export function closePosition(symbol: string): Promise<PositionClosed> {
  return request("POST", `/simulation/positions/${encodeURIComponent(symbol)}/close`);
}
