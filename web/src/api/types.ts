/**
 * Shapes of the ScalpLab REST API as the SPA uses them, taken from the types
 * generated from the backend's OpenAPI schema (`schema.gen.ts`, `npm run gen:api`).
 *
 * Times are ISO-8601 UTC strings (`...Z`) unless noted; candle times are epoch seconds.
 */
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

/** Bars readable at one timeframe (`stored` false: resampled from 1m on read). */
export type TimeframeSpan = Schemas["TimeframeSpan"];
/** One row of `GET /market/symbols`. */
export type MarketSymbol = Schemas["SymbolPublic"];
/** One OHLCV bar of `GET /market/candles/{symbol}`. */
export type Candle = Schemas["CandlePublic"];

/** Metadata of one strategy parameter; a form field is generated from it. */
export type StrategyParam = Schemas["ParamPublic"];
export type ParamType = StrategyParam["type"];
export type ParamValue = StrategyParam["default"];
/** One row of `GET /strategies`. */
export type StrategyInfo = Schemas["StrategyPublic"];

export type BacktestStatus = Schemas["BacktestPublic"]["status"];
/** Body of `POST /backtests`: UTC dates or datetimes, `end` exclusive, 1 to 30 days. */
export type BacktestCreate = Schemas["BacktestCreate"];
/** Answer of `POST /backtests` (202). */
export type BacktestAccepted = Schemas["BacktestQueued"];
/** The metrics a list row carries (the full set is in the result). */
export type KeyMetrics = Schemas["KeyMetrics"];
/** One row of `GET /backtests`. */
export type BacktestSummary = Schemas["BacktestSummaryPublic"];
/** One closed trade of a backtest. */
export type Trade = Schemas["TradePublic"];
/** A strategy's own chart overlays over a backtest (`GET /backtests/{id}/overlays`). */
export type Overlays = Schemas["OverlaysPublic"];
/** One overlay line (e.g. `sma_fast`): values per bar time (epoch seconds). */
export type OverlayLine = Schemas["OverlayLinePublic"];
/** One overlay zone (e.g. `order_block_bull`): a price band between two bar times. */
export type OverlayZone = Schemas["OverlayZonePublic"];
/** Every metric of a run; unknown keys pass through. */
export type Metrics = Schemas["MetricsPublic"];
/** The stored outcome of a finished backtest. */
export type BacktestResult = Schemas["BacktestResultPublic"];
/** One row of seed 002's go-live table (§12.3) computed for a result. */
export type GateCheck = Schemas["GateCheckPublic"];
/** Risk settings a backtest ran with, and the breakers that were on. */
export type RiskUsed = Schemas["RiskUsedPublic"];
/** `risk` of `POST /backtests`: risk settings to change for one run. */
export type RiskOverrides = Schemas["RiskOverrides"];
/** `GET /backtests/{id}`: job state and, once done, the result. */
export type BacktestDetail = Schemas["BacktestPublic"];
/** Answer of `DELETE /backtests`. */
export type BacktestsDeleted = Schemas["BacktestsDeleted"];
/** Body of `PATCH /backtests/{id}`: the user's notes and/or tags of a run. */
export type BacktestUpdate = Schemas["BacktestUpdate"];
/** One run of `GET /backtests/compare`: metrics and the equity curve normalised to 100. */
export type ComparedRun = Schemas["ComparedRunPublic"];

/* ---------- paper trading (Dashboard and Simulation tabs) ---------- */

/** One row of `GET /pairs`: a followed pair and the strategy that trades it. */
export type PairInfo = Schemas["PairPublic"];
/** Body of `POST /pairs`. */
export type PairCreate = Schemas["PairCreate"];

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop_market" | "stop_limit" | "trailing_stop";
/** Order statuses of the queue (the generated schema types them as plain strings). */
export type OrderStatus = "pending_confirmation" | "accepted" | "filled" | "cancelled" | "rejected" | "expired";

/** An order of the simulation's queue; prices and quantities are decimal strings. */
export type Order = Schemas["OrderPublic"];
/** A confirmation waiting for a person (`GET /orders/pending`). */
export type PendingConfirmation = Schemas["PendingPublic"];

/** One strategy signal and its fate (`GET /signals`, SSE `signal` events). */
export type SimSignal = Schemas["SignalPublic"];
/** What became of a signal: accepted, rejected, blocked, pending, expired, cancelled, dropped. */
export type SignalFate = SimSignal["status"];
/** A row of `GET /signals/scores`: the newest scored signal of one (symbol, strategy). */
export type ScoreboardRow = Schemas["ScoreboardRowPublic"];
/** `GET /signals/histogram`: the stored signals' scores in equal-width bins over 0..100. */
export type ScoreHistogram = Schemas["ScoreHistogramPublic"];
/** Confirmation dialog and signals funnel (issue 13). */
export type ConfirmationFacts = Schemas["ConfirmationFactsPublic"];
export type SignalFunnel = Schemas["SignalFunnelPublic"];
/** One bin of a score histogram (`[lower, upper)`, the last one includes 100). */
export type ScoreBin = Schemas["ScoreBinPublic"];

/** One pair the engine trades. */
export type EnginePair = Schemas["PairStatusPublic"];
/** `GET /simulation/status` (also the answer of start / stop / reset). */
export type EngineStatus = Schemas["StatusPublic"];
/** Body of `POST /simulation/start`. */
export type SimulationStart = Schemas["SimulationStart"];
/** A replay's progress in the status: bar X of N, paused or not, its pace. */
export type ReplayProgress = Schemas["ReplayProgressPublic"];
/** Body of `PATCH /simulation/replay`: the running replay's new speed. */
export type ReplayChange = Schemas["ReplayChange"];
/** One point of `GET /simulation/equity` (`time`: epoch seconds). */
export type EquityPoint = Schemas["EquityPointPublic"];
/** `GET /simulation/portfolio`. */
export type Portfolio = Schemas["PortfolioPublic"];
/** One open position (`GET /simulation/positions`). */
export type Position = Schemas["PositionPublic"];
/** Answer of `POST /simulation/positions/{symbol}/close`. */
export type PositionClosed = Schemas["PositionClosed"];
/** One closed simulation trade: a backtest trade plus its symbol. */
export type SimTrade = Schemas["SimTradePublic"];
/** `GET /simulation/performance`: the backtests' metric set. */
export type Performance = Schemas["PerformancePublic"];
/** One block of the risk gate (`GET /simulation/risk-events`). */
export type RiskEvent = Schemas["RiskEventPublic"];
/** `GET /simulation/heat`: each book's open risk (entry → stop) in % of the equity vs the caps. */
export type Heat = Schemas["HeatPublic"];
/** A heat cap a strategy declared (a `PortfolioHeat` breaker) and the heat it measures. */
export type HeatCap = Schemas["HeatCapPublic"];
/** One book's open risk: a position or a waiting entry. */
export type BookHeat = Schemas["BookHeatPublic"];

/** Circuit-breaker settings: `<breaker>_enabled` flags and their limits. */
export type RiskSettings = Schemas["RiskSettings"];
/** `GET /settings/risk-schema`: every risk field (type, bounds, breaker) and the environment's values. */
export type RiskSchema = Schemas["RiskSchemaPublic"];
/** One risk setting as a form describes it. */
export type RiskField = Schemas["RiskFieldPublic"];
/** `GET /settings`: paper-trading settings in force. */
export type AppSettings = Schemas["SettingsPublic"];
/** Body of `PATCH /settings`. */
export type SettingsPatch = Schemas["SettingsPatch"];
/** A run's properties (economics) with the environment's values and bounds (`GET /settings/properties`). */
export type PropertiesSchema = Schemas["PropertiesSchemaPublic"];
/** One numeric run property as a form describes it. */
export type PropertyField = Schemas["PropertyFieldPublic"];
/** `properties` of `POST /backtests`: only the given fields override the environment's. */
export type RunProperties = Schemas["RunPropertiesCreate"];
/** How a run pays funding: recorded rates, one fixed rate, or none. */
export type FundingModel = PropertiesSchema["funding_model"];

/** One event of `GET /signals/stream`: `kind` is the SSE event name, `data` its parsed JSON. */
export type StreamEvent = Schemas["StreamEventPublic"];
/** Event names of `GET /signals/stream`. */
export type StreamKind = StreamEvent["kind"];
/** The data of the stream's `kind` events. */
export type StreamData<K extends StreamKind> = Extract<StreamEvent, { kind: K }>["data"];

/* ---------- the market scanner (Dashboard) ---------- */

/** `GET /scanner`: whether it refreshes, the auto universe and the latest scan. */
export type ScannerState = Schemas["ScannerPublic"];
/** One refresh of the scanner. */
export type ScanResult = Schemas["ScanResultPublic"];
/** One measured symbol of a scan (score null: it failed the cheap filters). */
export type ScannerRow = Schemas["ScannerRowPublic"];
/** A symbol a scan could not measure, and why. */
export type ScannerLeftOut = Schemas["ScannerLeftOutPublic"];

/* ---------- health, the live-trading gate and the kill switch ---------- */

/** `GET /status/health`: the mode and every missing live condition, the kill switch, whether a token is needed. */
export type Health = Schemas["HealthPublic"];
/** `GET /trading`: the kill switch. */
export type TradingState = Schemas["TradingStatePublic"];
/** Body of `POST /trading/halt`. */
export type TradingHalt = Schemas["TradingHalt"];
/** Answer of `POST /trading/halt`: the state and the books whose positions are being closed. */
export type TradingHalted = Schemas["TradingHalted"];

/* ---------- parameter sweeps (Backtest tab, Sweep view) ---------- */

/** Body of `POST /sweeps`: a backtest's run plus the grid, sampler, objective and walk-forward. */
export type SweepCreate = Schemas["SweepCreate"];
/** `GET /sweeps/{id}` (also a row of `GET /sweeps` and the answer of POST, cancel and resume). */
export type SweepPublic = Schemas["SweepPublic"];
export type SweepStatus = SweepPublic["status"];
/** What a sweep ranks its trials by (`max_drawdown_pct`: lower is better). */
export type SweepObjective = Schemas["SweepCreate"]["objective"];
/** How a sweep picks its trials: every grid point, a random subset, or TPE. */
export type SweepSampler = NonNullable<Schemas["SweepCreate"]["sampler"]>;
/** The result of a finished sweep: `best` for one window, `walk_forward` else. */
export type SweepSummary = Schemas["SweepSummaryPublic"];
/** A walk-forward's windows, out-of-sample and in-sample results and param stability. */
export type WalkForwardSummary = Schemas["WalkForwardPublic"];
/** The compact metrics of one trial. */
export type TrialScore = Schemas["TrialScorePublic"];
/** One row of `GET /sweeps/{id}/trials`: a screened trial, its verification, or a window's test. */
export type SweepTrial = Schemas["SweepTrialPublic"];
export type SweepTrialKind = SweepTrial["kind"];

/* ---------- the Data tab (coverage, downloads, integrity, deletion) ---------- */

/** One row of `GET /data/coverage`: everything stored for a symbol. */
export type SymbolCoverage = Schemas["SymbolCoveragePublic"];
/** One stored candle file of a symbol: span, bars and holes. */
export type TimeframeCoverage = Schemas["TimeframeCoveragePublic"];
/** A hole in a candle series. */
export type CandleGap = Schemas["GapPublic"];
/** One recorded market-data day of a stream. */
export type MarketDay = Schemas["MarketDayPublic"];
/** Body of `POST /data/downloads`: `days` back from now, or `start` (and `end`). */
export type DownloadCreate = Schemas["DownloadCreate"];
/** A download job (`GET /data/downloads/{id}`). */
export type DownloadJob = Schemas["DownloadPublic"];
export type DownloadStatus = DownloadJob["status"];
/** `POST /data/check`: the integrity report of one symbol and timeframe. */
export type IntegrityCheck = Schemas["CheckPublic"];
/** Answer of `DELETE /data/candles/{symbol}/{tf}`. */
export type CandlesDeleted = Schemas["CandlesDeleted"];
