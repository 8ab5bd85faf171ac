/**
 * Typed client of the ScalpLab REST API (same origin as the SPA).
 *
 * Every failure becomes an `ApiError` whose message is the server's `detail`
 * (or a readable summary of a validation error), ready to show to the user.
 */
import type {
  BacktestAccepted,
  BacktestCreate,
  BacktestDetail,
  BacktestSummary,
  Candle,
  MarketSymbol,
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
