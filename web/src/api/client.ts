/**
 * The ScalpLab REST API as the SPA calls it: one function per use, each going
 * through the generated OpenAPI paths (`api` of `http.ts`).
 *
 * Every failure is an `ApiError` whose message is the server's `detail` (or a
 * readable summary of a validation error), ready to show to the user.
 */
import { CLIENT_HEADER, answer, answerList, answerObject, api } from "./http";
import type {
  AppSettings,
  BacktestAccepted,
  BacktestCreate,
  BacktestDetail,
  BacktestsDeleted,
  BacktestSummary,
  BacktestUpdate,
  Candle,
  CandlesDeleted,
  ComparedRun,
  DownloadCreate,
  DownloadJob,
  EngineStatus,
  EquityPoint,
  Health,
  Heat,
  IntegrityCheck,
  MarketSymbol,
  Order,
  Overlays,
  PairCreate,
  PairInfo,
  PendingConfirmation,
  Performance,
  Portfolio,
  Position,
  PositionClosed,
  ReplayChange,
  RiskEvent,
  PropertiesSchema,
  RiskSchema,
  ScannerState,
  ScoreHistogram,
  SignalFunnel,
  ScoreboardRow,
  SettingsPatch,
  SimSignal,
  SimTrade,
  SimulationStart,
  StrategyInfo,
  SweepCreate,
  SweepPublic,
  SweepTrial,
  SweepTrialKind,
  SymbolCoverage,
  TradingHalt,
  TradingHalted,
  TradingState,
} from "./types";

export { ApiError, describeDetail } from "./http";

/** Symbols with stored candles and their date spans. */
export function listSymbols(signal?: AbortSignal): Promise<MarketSymbol[]> {
  return answer(api.GET("/market/symbols", { signal }));
}

/** Registered strategies with their parameter metadata. */
export function listStrategies(signal?: AbortSignal): Promise<StrategyInfo[]> {
  return answer(api.GET("/strategies", { signal }));
}

/** Candles of `pair` at `tf` between two ISO dates/times. */
export function getCandles(
  pair: string,
  tf: string,
  start: string,
  end: string,
  signal?: AbortSignal,
): Promise<Candle[]> {
  const params = { path: { symbol: pair }, query: { tf, start, end } };
  return answer(api.GET("/market/candles/{symbol}", { params, signal }));
}

/* ---------- the Data tab ---------- */

/** Per symbol: stored timeframes with their holes, funding coverage, market-data days. */
export function getCoverage(signal?: AbortSignal): Promise<SymbolCoverage[]> {
  return answerList(api.GET("/data/coverage", { signal }));
}

/** Start downloading klines from Binance (202); a refusal (409, 422) carries the reason. */
export function createDownload(body: DownloadCreate): Promise<DownloadJob> {
  return answerObject(api.POST("/data/downloads", { body }));
}

/** One download: status, progress and outcome. */
export function getDownload(id: string, signal?: AbortSignal): Promise<DownloadJob> {
  return answerObject(api.GET("/data/downloads/{download_id}", { params: { path: { download_id: id } }, signal }));
}

/** The running and recent downloads, newest first. */
export function listDownloads(signal?: AbortSignal): Promise<DownloadJob[]> {
  return answerList(api.GET("/data/downloads", { signal }));
}

/** Stop a download between pages (what it fetched stays). */
export function cancelDownload(id: string): Promise<DownloadJob> {
  return answerObject(api.POST("/data/downloads/{download_id}/cancel", { params: { path: { download_id: id } } }));
}

/** Gaps, duplicates and OHLC sanity of the stored candles of one symbol and timeframe. */
export function checkIntegrity(symbol: string, timeframe: string): Promise<IntegrityCheck> {
  return answerObject(api.POST("/data/check", { body: { symbol, timeframe } }));
}

/** Delete the stored bars opening in `[start, end)` (UTC ISO times). */
export function deleteCandleRange(symbol: string, tf: string, start: string, end: string): Promise<CandlesDeleted> {
  const params = { path: { symbol, tf }, query: { start, end } };
  return answerObject(api.DELETE("/data/candles/{symbol}/{tf}", { params }));
}

/* ---------- backtests ---------- */

/** Queue a backtest run. */
export function createBacktest(body: BacktestCreate): Promise<BacktestAccepted> {
  return answer(api.POST("/backtests", { body }));
}

/** Stored backtests, newest first. */
export function listBacktests(signal?: AbortSignal): Promise<BacktestSummary[]> {
  return answer(api.GET("/backtests", { signal }));
}

/** One backtest with its full result once done. */
/** `waitS`: hold the answer until the job ends, up to that many seconds (a long poll). */
export function getBacktest(id: string, signal?: AbortSignal, waitS?: number): Promise<BacktestDetail> {
  const query = waitS === undefined ? undefined : { wait: waitS };
  return answer(api.GET("/backtests/{backtest_id}", { params: { path: { backtest_id: id }, query }, signal }));
}

/** The strategy's own chart overlays (lines, zones) over a backtest's candles. */
export function getOverlays(id: string, signal?: AbortSignal): Promise<Overlays> {
  return answer(api.GET("/backtests/{backtest_id}/overlays", { params: { path: { backtest_id: id } }, signal }));
}

/** Delete one stored backtest. */
export async function deleteBacktest(id: string): Promise<void> {
  await answer(api.DELETE("/backtests/{backtest_id}", { params: { path: { backtest_id: id } } }));
}

/** Delete every stored backtest. */
export function deleteAllBacktests(): Promise<BacktestsDeleted> {
  return answer(api.DELETE("/backtests"));
}

/** Set the notes and/or tags of a backtest; answers its updated list row. */
export function updateBacktest(id: string, body: BacktestUpdate): Promise<BacktestSummary> {
  return answer(api.PATCH("/backtests/{backtest_id}", { params: { path: { backtest_id: id } }, body }));
}

/** 2 to 6 finished backtests side by side (metrics, equity normalised to 100). */
export function compareBacktests(ids: string[], signal?: AbortSignal): Promise<ComparedRun[]> {
  return answer(api.GET("/backtests/compare", { params: { query: { ids: ids.join(",") } }, signal }));
}

/* ---------- parameter sweeps ---------- */

/** Check and queue a sweep (202); a refusal (422) carries a one-line reason. */
export function createSweep(body: SweepCreate): Promise<SweepPublic> {
  return answerObject(api.POST("/sweeps", { body }));
}

/** Stored sweeps, newest first. */
export function listSweeps(signal?: AbortSignal): Promise<SweepPublic[]> {
  return answerList(api.GET("/sweeps", { signal }));
}

/** One sweep: status, progress, ETA and, once done, its summary. */
export function getSweep(id: string, signal?: AbortSignal): Promise<SweepPublic> {
  return answerObject(api.GET("/sweeps/{sweep_id}", { params: { path: { sweep_id: id } }, signal }));
}

/** The trials of a sweep: `screen` (ranked trials) or `verify` (their Backtrader re-runs). */
export function listSweepTrials(id: string, kind: SweepTrialKind, signal?: AbortSignal): Promise<SweepTrial[]> {
  const params = { path: { sweep_id: id }, query: { kind } };
  return answerList(api.GET("/sweeps/{sweep_id}/trials", { params, signal }));
}

/** Stop a queued or running sweep (its finished tasks are kept). */
export function cancelSweep(id: string): Promise<SweepPublic> {
  return answerObject(api.POST("/sweeps/{sweep_id}/cancel", { params: { path: { sweep_id: id } } }));
}

/** Run a failed, cancelled or interrupted sweep on from its stored tasks. */
export function resumeSweep(id: string): Promise<SweepPublic> {
  return answerObject(api.POST("/sweeps/{sweep_id}/resume", { params: { path: { sweep_id: id } } }));
}

/** Delete a sweep and its trials. */
export async function deleteSweep(id: string): Promise<void> {
  await answer(api.DELETE("/sweeps/{sweep_id}", { params: { path: { sweep_id: id } } }));
}

/* ---------- the market scanner ---------- */

/** The latest scan, whether the scanner refreshes, and the auto universe. */
export function getScanner(signal?: AbortSignal): Promise<ScannerState> {
  return answerObject(api.GET("/scanner", { signal }));
}

/** Scan now (a failure keeps the previous scan and carries the reason). */
export function refreshScanner(): Promise<ScannerState> {
  return answerObject(api.POST("/scanner/refresh"));
}

/** Switch the auto universe (on: the qualified pairs are followed at once). */
export function setAutoUniverse(enabled: boolean): Promise<ScannerState> {
  return answerObject(api.PATCH("/scanner", { body: { auto_universe: enabled } }));
}

/* ---------- pairs ---------- */

/** Followed pairs, oldest first. */
export function listPairs(signal?: AbortSignal): Promise<PairInfo[]> {
  return answerList(api.GET("/pairs", { signal }));
}

/** Follow a pair with a strategy, timeframe and params. */
export function createPair(body: PairCreate): Promise<PairInfo> {
  return answer(api.POST("/pairs", { body }));
}

/** Enable or disable a followed pair (by id: a symbol may be followed by several strategies). */
export function setPairEnabled(id: number, enabled: boolean): Promise<PairInfo> {
  return answerObject(api.PATCH("/pairs/{pair_id}", { params: { path: { pair_id: id } }, body: { enabled } }));
}

/** Stop following a pair. */
export async function deletePair(id: number): Promise<void> {
  await answer(api.DELETE("/pairs/{pair_id}", { params: { path: { pair_id: id } } }));
}

/* ---------- signals, orders, settings ---------- */

/** The engine's latest signals, newest first (optionally of one symbol). */
export function listSignals(limit: number, symbol?: string, signal?: AbortSignal): Promise<SimSignal[]> {
  return answerList(api.GET("/signals", { params: { query: { limit, symbol: symbol || undefined } }, signal }));
}

/** The scoreboard: the newest scored signal of each (symbol, strategy), best score first. */
export function listSignalScores(limit: number, strategy?: string, signal?: AbortSignal): Promise<ScoreboardRow[]> {
  return answerList(api.GET("/signals/scores", { params: { query: { limit, strategy: strategy || undefined } }, signal }));
}

/** How the stored signals' scores are distributed (`bins` equal bins over 0..100; optional filters). */
export function getScoreHistogram(
  bins: number,
  filters: { strategy?: string; symbol?: string } = {},
  signal?: AbortSignal,
): Promise<ScoreHistogram> {
  const query = { bins, strategy: filters.strategy || undefined, symbol: filters.symbol || undefined };
  return answerObject(api.GET("/signals/histogram", { params: { query }, signal }));
}

/** What became of the recorded signals: generated → accepted, rejected by reason, blocked, expired, cancelled. */
export function getSignalFunnel(
  filters: { strategy?: string; symbol?: string } = {},
  signal?: AbortSignal,
): Promise<SignalFunnel> {
  const query = { strategy: filters.strategy || undefined, symbol: filters.symbol || undefined };
  return answerObject(api.GET("/signals/funnel", { params: { query }, signal }));
}

/** URL of the server-sent event stream of signals and engine changes (read with an `EventSource`). */
export const SIGNAL_STREAM_URL = "/signals/stream";

/** The stream's URL with the session's token, if any (an `EventSource` cannot send headers). */
export function signalStreamUrl(token: string | null): string {
  return token === null ? SIGNAL_STREAM_URL : `${SIGNAL_STREAM_URL}?access_token=${encodeURIComponent(token)}`;
}

/** Orders waiting for a confirmation. */
export function listPending(signal?: AbortSignal): Promise<PendingConfirmation[]> {
  return answerList(api.GET("/orders/pending", { signal }));
}

/** Confirm a pending order: it is executed. */
export function confirmPending(id: string): Promise<Order> {
  return answer(api.POST("/orders/pending/{pending_id}/confirm", { params: { path: { pending_id: id } } }));
}

/** Reject a pending order: it is dropped. */
export function rejectPending(id: string): Promise<Order> {
  return answer(api.POST("/orders/pending/{pending_id}/reject", { params: { path: { pending_id: id } } }));
}

/** Orders of the queue (strategy and manual), newest first. */
export function listOrders(limit: number, signal?: AbortSignal): Promise<Order[]> {
  return answerList(api.GET("/orders", { params: { query: { limit } }, signal }));
}

/** Paper-trading settings. */
export function getSettings(signal?: AbortSignal): Promise<AppSettings> {
  return answerObject(api.GET("/settings", { signal }));
}

/** A run's properties with the environment's values and bounds (a backtest's defaults). */
export function getProperties(signal?: AbortSignal): Promise<PropertiesSchema> {
  return answerObject(api.GET("/settings/properties", { signal }));
}

/** Every risk setting with its bounds and the environment's values (a backtest's defaults). */
export function getRiskSchema(signal?: AbortSignal): Promise<RiskSchema> {
  return answerObject(api.GET("/settings/risk-schema", { signal }));
}

/** Change some settings; a 422 carries the reason. */
export function updateSettings(patch: SettingsPatch): Promise<AppSettings> {
  return answerObject(api.PATCH("/settings", { body: patch }));
}

/* ---------- simulation ---------- */

/** Engine state, feed and progress. */
export function getSimStatus(signal?: AbortSignal): Promise<EngineStatus> {
  return answerObject(api.GET("/simulation/status", { signal }));
}

/** Account totals of the paper portfolio. */
export function getPortfolio(signal?: AbortSignal): Promise<Portfolio> {
  return answerObject(api.GET("/simulation/portfolio", { signal }));
}

/** Open positions, marked at each pair's last close. */
export function listPositions(signal?: AbortSignal): Promise<Position[]> {
  return answerList(api.GET("/simulation/positions", { signal }));
}

/** Closed simulation trades, newest exit first. */
export function listSimTrades(limit: number, signal?: AbortSignal): Promise<SimTrade[]> {
  return answerList(api.GET("/simulation/trades", { params: { query: { limit } }, signal }));
}

/** Performance metrics over the simulation. */
export function getPerformance(signal?: AbortSignal): Promise<Performance> {
  return answerObject(api.GET("/simulation/performance", { signal }));
}

/** Blocks of the risk gate, newest first (of one strategy when given). */
export function listRiskEvents(limit: number, signal?: AbortSignal, strategy?: string): Promise<RiskEvent[]> {
  const query = strategy ? { limit, strategy } : { limit };
  return answerList(api.GET("/simulation/risk-events", { params: { query }, signal }));
}

/** Portfolio heat: each book's open risk vs the heat caps (of `strategy` when given). */
export function getHeat(strategy?: string, signal?: AbortSignal): Promise<Heat> {
  const query = strategy ? { strategy } : {};
  return answerObject(api.GET("/simulation/heat", { params: { query }, signal }));
}

/** Start (or continue) the replay; without a body at the `replay_speed` setting. */
export function startSimulation(body: SimulationStart = {}): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/start", { body }));
}

/** Stop the replay; positions, orders and confirmations stay. */
export function stopSimulation(): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/stop"));
}

/** Stop and wipe the paper portfolio (every `_sim` table). */
export function resetSimulation(): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/reset"));
}

/** Pause the running replay; answers once it stands still (409 without one). */
export function pauseSimulation(): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/pause"));
}

/** Resume the paused replay from where its clock stopped. */
export function resumeSimulation(): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/resume"));
}

/** Apply exactly one more bar of the paused replay; answers once it is committed. */
export function stepSimulation(): Promise<EngineStatus> {
  return answerObject(api.POST("/simulation/step"));
}

/** Change the running replay's speed without restarting it. */
export function changeReplay(body: ReplayChange): Promise<EngineStatus> {
  return answerObject(api.PATCH("/simulation/replay", { body }));
}

/** The paper portfolio's equity curve, oldest first. */
export function getSimEquity(signal?: AbortSignal): Promise<EquityPoint[]> {
  return answerList(api.GET("/simulation/equity", { signal }));
}

/** Close the position of one pair (symbol and strategy) at the next bar's open. */
export function closePosition(symbol: string, strategy: string): Promise<PositionClosed> {
  return answer(api.POST("/simulation/positions/{symbol}/close", { params: { path: { symbol }, query: { strategy } } }));
}

/* ---------- health and the kill switch ---------- */

/** Mode and why, every missing live-trading condition, the kill switch, whether a token is needed. */
export async function getHealth(signal?: AbortSignal): Promise<Health> {
  const { data, error, response } = await api.GET("/status/health", { signal });
  // 503 (database down) still carries the report
  if (response.status === 503 && error !== undefined && error !== null && typeof error === "object") return error as Health;
  return answerObject(Promise.resolve({ data, error, response }));
}

/** The kill switch: halted or not, since when, why, by whom. */
export function getTrading(signal?: AbortSignal): Promise<TradingState> {
  return answerObject(api.GET("/trading", { signal }));
}

/**
 * Whether the event stream refuses `token` (401): an `EventSource` that closed for good
 * cannot say why, so the stream is asked once with a plain fetch, then let go.
 */
export async function streamRefused(token: string | null, signal?: AbortSignal): Promise<boolean> {
  const headers: Record<string, string> = { Accept: "text/event-stream", [CLIENT_HEADER]: "1" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(SIGNAL_STREAM_URL, { headers, signal });
  await response.body?.cancel();
  return response.status === 401;
}

/** Stop every new entry now (optionally closing every position). */
export function haltTrading(body: TradingHalt): Promise<TradingHalted> {
  return answerObject(api.POST("/trading/halt", { body }));
}

/** Allow new entries again. */
export function resumeTrading(): Promise<TradingState> {
  return answerObject(api.POST("/trading/resume"));
}
