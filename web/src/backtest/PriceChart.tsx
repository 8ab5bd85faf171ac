/**
 * Candlestick chart of the backtest period with entry/exit markers, and the
 * equity curve in a second pane sharing the time axis (lightweight-charts v5).
 */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type CandlestickData,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef, useState } from "react";

import { ApiError, getCandles } from "../api/client";
import type { Candle, Trade } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { toEpochSeconds } from "../lib/format";

const COLORS = {
  background: "#0d1117",
  text: "#9aa7b4",
  grid: "#1c232c",
  border: "#2a3440",
  up: "#26a69a",
  down: "#ef5350",
  long: "#3fb950",
  short: "#f85149",
  equity: "#58a6ff",
};

interface PriceChartProps {
  pair: string;
  timeframe: string;
  start: string;
  end: string;
  trades: Trade[];
  equity: [string, number][];
}

/** Points sorted by time with one value per instant (the last one wins), as the chart requires. */
function uniqueByTime<T extends { time: Time }>(points: T[]): T[] {
  const byTime = new Map<number, T>();
  for (const point of points) byTime.set(point.time as number, point);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, point]) => point);
}

function candleData(candles: Candle[]): CandlestickData<Time>[] {
  return uniqueByTime(
    candles.map((c) => ({ time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close })),
  );
}

function equityData(equity: [string, number][]): LineData<Time>[] {
  return uniqueByTime(
    equity
      .map(([iso, value]) => ({ time: toEpochSeconds(iso) as UTCTimestamp, value }))
      .filter((point) => Number.isFinite(point.time as number) && Number.isFinite(point.value)),
  );
}

function tradeMarkers(trades: Trade[]): SeriesMarker<Time>[] {
  const markers: SeriesMarker<Time>[] = [];
  for (const trade of trades) {
    const long = trade.side === "long";
    markers.push({
      time: toEpochSeconds(trade.entry_time) as UTCTimestamp,
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: long ? COLORS.long : COLORS.short,
      text: long ? "L" : "S",
    });
    markers.push({
      time: toEpochSeconds(trade.exit_time) as UTCTimestamp,
      position: long ? "aboveBar" : "belowBar",
      shape: "circle",
      color: trade.pnl >= 0 ? COLORS.long : COLORS.short,
      text: trade.exit_reason,
    });
  }
  return markers
    .filter((m) => Number.isFinite(m.time as number))
    .sort((a, b) => (a.time as number) - (b.time as number));
}

export function PriceChart({ pair, timeframe, start, end, trades, equity }: PriceChartProps) {
  const { t } = useI18n();
  const container = useRef<HTMLDivElement>(null);
  const [candles, setCandles] = useState<Candle[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setCandles(null);
    setError(null);
    getCandles(pair, timeframe, start, end, controller.signal)
      .then(setCandles)
      .catch((reason: unknown) => {
        if (reason instanceof DOMException && reason.name === "AbortError") return;
        setError(reason instanceof ApiError ? reason.message : String(reason));
      });
    return () => controller.abort();
  }, [pair, timeframe, start, end]);

  useEffect(() => {
    const element = container.current;
    if (!element || candles === null || candles.length === 0) return undefined;
    const chart = createChart(element, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: COLORS.background },
        textColor: COLORS.text,
        fontFamily: "inherit",
        panes: { separatorColor: COLORS.border, separatorHoverColor: "rgba(88, 166, 255, 0.15)", enableResize: true },
      },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: COLORS.border },
      timeScale: { borderColor: COLORS.border, timeVisible: true, secondsVisible: false },
      localization: { locale: "en-GB" },
    });
    const candleSeries = chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      borderVisible: false,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
    });
    candleSeries.setData(candleData(candles));
    const markers = createSeriesMarkers(candleSeries, tradeMarkers(trades));

    const equityPoints = equityData(equity);
    if (equityPoints.length > 0) {
      const equitySeries = chart.addSeries(
        LineSeries,
        { color: COLORS.equity, lineWidth: 2, priceLineVisible: false, title: "equity" },
        1,
      );
      equitySeries.setData(equityPoints);
      const [pricePane, equityPane] = chart.panes();
      pricePane?.setStretchFactor(3);
      equityPane?.setStretchFactor(1);
    }
    chart.timeScale().fitContent();

    return () => {
      markers.detach();
      chart.remove();
    };
  }, [candles, trades, equity]);

  if (error !== null) {
    return (
      <Notice kind="error" testId="chart-error">
        {t("chart.error", { error })}
      </Notice>
    );
  }
  if (candles === null) return <p className="muted">{t("chart.loading")}</p>;
  if (candles.length === 0) return <p className="muted">{t("chart.empty")}</p>;
  return (
    <figure className="chart-figure">
      <div ref={container} className="chart" role="img" aria-label={t("chart.label")} data-testid="price-chart" />
      <figcaption className="muted small">{t("chart.legend")}</figcaption>
    </figure>
  );
}
