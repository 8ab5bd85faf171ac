/**
 * What the simulation's live chart draws, prepared from the engine's records: the
 * candles played so far (merged as new ones arrive), one marker per fill (entries and
 * exits of the pair's trades and the entries of its open positions) and the price lines
 * of its open positions (entry, SL, TP) and resting orders.
 */
import { LineStyle, type SeriesMarker, type SeriesMarkerBar, type Time, type UTCTimestamp } from "lightweight-charts";

import type { Candle, Order, Position, SimTrade } from "../api/types";
import { COLORS } from "../backtest/chartData";
import { toEpochSeconds } from "../lib/format";
import { barOpen } from "../lib/timeframes";

/** Candles kept on the chart (the newest ones). */
export const MAX_CANDLES = 1500;

/** Statuses of an order that rests at the venue. */
const RESTING = new Set(["accepted", "submitted"]);

/** Labels of the chart in the reader's language. */
export interface LiveLabels {
  long: string;
  short: string;
  exit: (reason: string) => string;
  entry: string;
  stopLoss: string;
  takeProfit: string;
  order: (type: string, side: string) => string;
}

/** One horizontal price line. */
export interface Level {
  key: string;
  price: number;
  color: string;
  title: string;
  style: LineStyle;
}

/** `current` with `incoming` merged in by time (incoming wins), sorted, the newest `MAX_CANDLES`. */
export function mergeCandles(current: Candle[], incoming: Candle[]): Candle[] {
  const byTime = new Map(current.map((candle) => [candle.time, candle]));
  for (const candle of incoming) byTime.set(candle.time, candle);
  return [...byTime.values()].sort((a, b) => a.time - b.time).slice(-MAX_CANDLES);
}

/** Fill markers of one pair (its `symbol` and `strategy`), at the open of the bar of each
 * fill, within `[first, last]` (the candles drawn); sorted by time. */
export function fillMarkers(
  trades: SimTrade[],
  positions: Position[],
  pair: { symbol: string; strategy: string },
  step: number,
  span: [number, number],
  labels: LiveLabels,
): SeriesMarker<Time>[] {
  const [first, last] = span;
  const markers: SeriesMarker<Time>[] = [];
  const add = (iso: string, marker: Omit<SeriesMarkerBar<Time>, "time">) => {
    const time = barOpen(toEpochSeconds(iso), step);
    if (Number.isFinite(time) && time >= first && time <= last) markers.push({ ...marker, time: time as UTCTimestamp });
  };
  const mine = (row: { symbol: string; strategy: string }) => row.symbol === pair.symbol && row.strategy === pair.strategy;
  const entry = (side: string, iso: string, id: string) => {
    const long = side === "long";
    add(iso, {
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: long ? COLORS.long : COLORS.short,
      text: long ? labels.long : labels.short,
      id,
    });
  };
  trades.filter(mine).forEach((trade, index) => {
    entry(trade.side, trade.entry_time, `entry:${index}`);
    add(trade.exit_time, {
      position: trade.side === "long" ? "aboveBar" : "belowBar",
      shape: "circle",
      color: trade.pnl >= 0 ? COLORS.long : COLORS.short,
      text: labels.exit(trade.exit_reason),
      id: `exit:${index}`,
    });
  });
  positions.filter(mine).forEach((position, index) => entry(position.side, position.opened_at, `open:${index}`));
  return markers.sort((a, b) => (a.time as number) - (b.time as number));
}

/** Price lines of the pair's open position (entry, SL, TP) and resting orders of its
 * symbol that are not a position's own SL/TP (those are the position's lines). */
export function levels(
  positions: Position[],
  orders: Order[],
  pair: { symbol: string; strategy: string },
  labels: LiveLabels,
): Level[] {
  const lines: Level[] = [];
  for (const position of positions) {
    if (position.symbol !== pair.symbol || position.strategy !== pair.strategy) continue;
    const side = position.side === "long" ? labels.long : labels.short;
    lines.push({ key: "entry", price: position.entry_price, color: COLORS.equity, title: `${side} ${labels.entry}`, style: LineStyle.Solid });
    if (position.stop_loss != null) {
      lines.push({ key: "sl", price: position.stop_loss, color: COLORS.stop, title: labels.stopLoss, style: LineStyle.Dashed });
    }
    if (position.take_profit != null) {
      lines.push({ key: "tp", price: position.take_profit, color: COLORS.target, title: labels.takeProfit, style: LineStyle.Dashed });
    }
  }
  for (const order of orders) {
    if (order.symbol !== pair.symbol || !RESTING.has(order.status) || order.parent_id != null) continue;
    if (order.strategy != null && order.strategy !== pair.strategy) continue;
    const price = Number(order.price ?? order.stop_price);
    if (!Number.isFinite(price)) continue;
    lines.push({ key: `order:${order.id}`, price, color: COLORS.mixed, title: labels.order(order.type, order.side), style: LineStyle.Dotted });
  }
  return lines;
}
