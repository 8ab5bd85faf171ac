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
/** Every metric of a run; unknown keys pass through. */
export type Metrics = Schemas["MetricsPublic"];
/** The stored outcome of a finished backtest. */
export type BacktestResult = Schemas["BacktestResultPublic"];
/** `GET /backtests/{id}`: job state and, once done, the result. */
export type BacktestDetail = Schemas["BacktestPublic"];
/** Answer of `DELETE /backtests`. */
export type BacktestsDeleted = Schemas["BacktestsDeleted"];
