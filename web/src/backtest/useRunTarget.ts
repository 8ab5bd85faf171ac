/**
 * What a run is made on, as the Backtest and Sweep forms choose it: pair,
 * strategy (with its parameter fields), timeframe and date range. The first
 * symbol and the base strategy are preselected once the catalog has loaded;
 * picking a pair keeps the timeframe when that pair offers it and sets the
 * range to the last DEFAULT_RANGE_DAYS days of the pair's stored data.
 */
import { useEffect, useState, type Dispatch, type SetStateAction } from "react";

import type { MarketSymbol, StrategyInfo, TimeframeSpan } from "../api/types";
import { daysInclusive, isDate, lastDaysOf, utcDate } from "../lib/dates";
import { spanOf, timeframesOf } from "../lib/market";
import { defaultFieldValues, type FieldValues } from "../lib/params";
import type { Catalog } from "./useCatalog";

export const DEFAULT_TIMEFRAME = "15m";
/** The platform's base strategy, preselected when registered. */
export const DEFAULT_STRATEGY = "smc";
export const DEFAULT_RANGE_DAYS = 7;

export interface StrategyChoice {
  strategyName: string;
  /** The chosen strategy (undefined until the catalog has it). */
  strategy: StrategyInfo | undefined;
  /** Choose a strategy: its parameter fields are reset to its defaults. */
  selectStrategy: (strategy: StrategyInfo) => void;
  fields: FieldValues;
  setFields: Dispatch<SetStateAction<FieldValues>>;
}

/**
 * The chosen strategy and its parameter fields; the base strategy (else the
 * first) is preselected whenever the strategies load. `onStrategy` is called
 * after each choice (the sweep form resets its axes there).
 */
export function useStrategyChoice(strategies: StrategyInfo[] | null, onStrategy?: (strategy: StrategyInfo) => void): StrategyChoice {
  const [strategyName, setStrategyName] = useState("");
  const [fields, setFields] = useState<FieldValues>({});

  useEffect(() => {
    const preferred = strategies?.find((s) => s.name === DEFAULT_STRATEGY) ?? strategies?.[0];
    if (preferred) selectStrategy(preferred);
  }, [strategies]);

  function selectStrategy(strategy: StrategyInfo) {
    setStrategyName(strategy.name);
    setFields(defaultFieldValues(strategy.params));
    onStrategy?.(strategy);
  }

  const strategy = strategies?.find((s) => s.name === strategyName);
  return { strategyName, strategy, selectStrategy, fields, setFields };
}

export interface RunTargetOptions {
  /** Called after each strategy choice (including the preselection). */
  onStrategy?: (strategy: StrategyInfo) => void;
  /** `rangeDays` is null when the end is before the start (else it may be zero or negative). */
  orderedRange?: boolean;
}

export interface RunTarget extends StrategyChoice {
  pair: string;
  /** Choose a pair: keeps an offered timeframe and selects the last days of its data. */
  selectPair: (symbol: MarketSymbol) => void;
  timeframe: string;
  setTimeframe: Dispatch<SetStateAction<string>>;
  /** Inclusive `YYYY-MM-DD` range as typed. */
  start: string;
  setStart: Dispatch<SetStateAction<string>>;
  end: string;
  setEnd: Dispatch<SetStateAction<string>>;
  /** The chosen pair's symbol, its stored span and that span's first and last days. */
  symbol: MarketSymbol | undefined;
  span: TimeframeSpan | undefined;
  firstDay: string | undefined;
  lastDay: string | undefined;
  /** The timeframes the chosen pair can be read at. */
  offeredTimeframes: string[];
  /** Days in the range, both ends included (null while a date is missing or invalid). */
  rangeDays: number | null;
}

export function useRunTarget(catalog: Pick<Catalog, "symbols" | "strategies">, options: RunTargetOptions = {}): RunTarget {
  const { symbols, strategies } = catalog;
  const [pair, setPair] = useState("");
  const [timeframe, setTimeframe] = useState<string>(DEFAULT_TIMEFRAME);
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");

  // The first pair is preselected once the catalog has loaded (before the strategy, as the forms did).
  useEffect(() => {
    const firstSymbol = symbols?.[0];
    if (firstSymbol) selectPair(firstSymbol);
  }, [symbols]);
  const choice = useStrategyChoice(strategies, options.onStrategy);

  function selectPair(symbol: MarketSymbol) {
    setPair(symbol.symbol);
    const offered = timeframesOf(symbol);
    setTimeframe((current) => (offered.includes(current) ? current : (offered[0] ?? DEFAULT_TIMEFRAME)));
    const span = spanOf(symbol);
    if (span) {
      const range = lastDaysOf(span.first, span.last, DEFAULT_RANGE_DAYS);
      setStart(range.start);
      setEnd(range.end);
    }
  }

  const symbol = symbols?.find((s) => s.symbol === pair);
  const span = spanOf(symbol);
  const datesValid = isDate(start) && isDate(end) && (!options.orderedRange || end >= start);
  return {
    ...choice,
    pair,
    selectPair,
    timeframe,
    setTimeframe,
    start,
    setStart,
    end,
    setEnd,
    symbol,
    span,
    firstDay: span ? utcDate(span.first) : undefined,
    lastDay: span ? utcDate(span.last) : undefined,
    offeredTimeframes: timeframesOf(symbol),
    rangeDays: datesValid ? daysInclusive(start, end) : null,
  };
}
