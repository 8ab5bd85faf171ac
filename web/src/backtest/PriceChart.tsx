/**
 * Candlestick chart of the backtest period (lightweight-charts v5): merged entry/exit
 * markers, each trade's entry → exit connector with its SL/TP, the strategy's own
 * overlays (lines and zones, each with a toggle), an OHLC legend of the bar under the
 * cursor, prices with thousands separators, and the equity curve in a second pane
 * sharing the time axis. `focus` (a trade's row index) zooms to that trade and
 * highlights it. Markers are set for the visible range only, so 5,000 trades stay fast.
 */
import {
  CandlestickSeries,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type SeriesType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";

import type { BacktestResult, Candle, Trade } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { CANDLE_STYLE, COLORS, candleData, chartOptions, equityData, lineColor, lowerBound, tradeMarkers, tradePaths, tradesByBar } from "./chartData";
import type { ChartFeed } from "./chartFeed";
import { OhlcLegend, OverlayToggles, TRADES_TOGGLE, useOverlayName, useReasonName } from "./ChartLegend";
import { TradeLayer } from "./chartPrimitive";

interface PriceChartProps {
  /** The candles and overlays, loaded by the dialog from the moment it opens. */
  feed: ChartFeed;
  trades: Trade[];
  signals: BacktestResult["signals"];
  equity: [string, number][];
  /** Row index of the trade to zoom to and highlight. */
  focus: number | null;
}

/** The chart objects once drawn. */
interface Drawn {
  chart: IChartApi;
  candles: ISeriesApi<SeriesType>;
  layer: TradeLayer;
  markers: ISeriesMarkersPluginApi<Time>;
  times: number[];
  /** False once the chart is removed: later cleanups must not touch it. */
  alive: boolean;
}

/** Bars shown on each side of a focused trade, at least. */
const FOCUS_MARGIN_BARS = 30;

/** The markers whose time is within the visible range widened by its own span on each side. */
function visibleMarkers(all: SeriesMarker<Time>[], times: number[], from: number, to: number): SeriesMarker<Time>[] {
  const pad = to - from;
  return all.slice(lowerBound(times, from - pad), lowerBound(times, to + pad + 1));
}

/** Run `draw` after the next paint (a frame, then a task); returns its cancel. */
function afterPaint(draw: () => void): () => void {
  let timer: number | undefined;
  const frame = requestAnimationFrame(() => {
    timer = window.setTimeout(draw, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    window.clearTimeout(timer);
  };
}

/** Create the chart in `element`: candles with the trade layer and (empty) markers, the
 * equity pane, hover and visible-range tracking, the whole period in view. */
function drawChart(element: HTMLDivElement, candles: Candle[], equity: [string, number][], locale: string, onHover: (time: number | null) => void): Drawn {
  const chart = createChart(element, chartOptions(locale));
  const candleSeries = chart.addSeries(CandlestickSeries, CANDLE_STYLE);
  const bars = candleData(candles);
  candleSeries.setData(bars);
  const times = bars.map((bar) => bar.time as number);
  const layer = new TradeLayer(times);
  candleSeries.attachPrimitive(layer);
  const markers = createSeriesMarkers(candleSeries, []);

  const equityPoints = equityData(equity);
  if (equityPoints.length > 0) {
    const equitySeries = chart.addSeries(LineSeries, { color: COLORS.equity, lineWidth: 2, priceLineVisible: false, title: "equity" }, 1);
    equitySeries.setData(equityPoints);
    const [pricePane, equityPane] = chart.panes();
    pricePane?.setStretchFactor(3);
    equityPane?.setStretchFactor(1);
  }
  chart.subscribeCrosshairMove((param) => onHover(param.time === undefined ? null : (param.time as number)));
  chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
    element.dataset.visibleFrom = range ? String(range.from) : "";
    element.dataset.visibleTo = range ? String(range.to) : "";
  });
  chart.timeScale().fitContent();
  return { chart, candles: candleSeries, layer, markers, times, alive: true };
}

export function PriceChart({ feed, trades, signals, equity, focus }: PriceChartProps) {
  const { t, locale } = useI18n();
  const overlayName = useOverlayName();
  const reasonName = useReasonName();
  const container = useRef<HTMLDivElement>(null);
  const { candles, error, overlays, overlayError } = feed;
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [hover, setHover] = useState<number | null>(null);
  const [drawn, setDrawn] = useState<Drawn | null>(null);

  // what only the drawn chart needs waits for it: the dialog's first paint stays light
  const live = drawn !== null;
  const paths = useMemo(() => (live ? tradePaths(trades, signals) : []), [live, trades, signals]);
  const byBar = useMemo(() => tradesByBar(paths), [paths]);
  const markers = useMemo(
    () =>
      tradeMarkers(paths, {
        long: t("chart.marker.long"),
        short: t("chart.marker.short"),
        reason: reasonName,
        count: (label, n) => t("chart.marker.count", { label, n }),
      }),
    [paths, locale], // the labels change with the locale only

  );
  const byTime = useMemo(() => new Map((live ? (candles ?? []) : []).map((c) => [c.time, c])), [live, candles]);

  // The chart itself: candles, the trade layer, markers, the equity pane, hover and range
  // tracking; created once the dialog has painted its metrics and trade rows.
  useEffect(() => {
    const element = container.current;
    if (!element || candles === null || candles.length === 0) return undefined;
    let current: Drawn | null = null;
    const cancel = afterPaint(() => {
      current = drawChart(element, candles, equity, locale, setHover);
      setDrawn(current);
    });
    return () => {
      cancel();
      if (current === null) return;
      current.alive = false;
      setDrawn(null);
      current.markers.detach();
      current.chart.remove();
    };
  }, [candles, equity, locale]);

  // Markers of the visible range only, refreshed as the range moves (at most once a frame).
  useEffect(() => {
    if (drawn === null) return undefined;
    const markerTimes = markers.map((m) => m.time as number);
    let frame = 0;
    const refresh = () => {
      frame = 0;
      if (!drawn.alive) return;
      const range = drawn.chart.timeScale().getVisibleRange();
      if (range === null) return;
      drawn.markers.setMarkers(visibleMarkers(markers, markerTimes, range.from as number, range.to as number));
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(refresh);
    };
    refresh();
    drawn.chart.timeScale().subscribeVisibleTimeRangeChange(schedule);
    return () => {
      if (frame !== 0) cancelAnimationFrame(frame);
      if (drawn.alive) drawn.chart.timeScale().unsubscribeVisibleTimeRangeChange(schedule);
    };
  }, [drawn, markers]);

  useEffect(() => {
    drawn?.layer.setTrades(paths, !hidden.has(TRADES_TOGGLE));
  }, [drawn, paths, hidden]);

  // The strategy's overlays: a line series per line, zones as the layer's bands.
  useEffect(() => {
    if (drawn === null || overlays === null) return undefined;
    const series = overlays.lines.map((line, index) => {
      const lineSeries = drawn.chart.addSeries(LineSeries, {
        color: lineColor(line.code, index),
        lineWidth: 1,
        priceLineVisible: false,
        lastValueVisible: false,
        crosshairMarkerVisible: false,
        title: overlayName(line.code),
        visible: !hidden.has(line.code),
      });
      lineSeries.setData(line.time.map((time, i) => ({ time: time as UTCTimestamp, value: line.value[i] ?? Number.NaN })));
      return lineSeries;
    });
    drawn.layer.setZones(overlays.zones.filter((zone) => !hidden.has(zone.kind)));
    return () => {
      if (!drawn.alive) return;
      for (const lineSeries of series) drawn.chart.removeSeries(lineSeries);
      drawn.layer.setZones([]);
    };
  }, [drawn, overlays, hidden, locale]); // names change with the locale only

  // Zoom to the focused trade with a margin of bars on each side, and highlight it.
  useEffect(() => {
    if (drawn === null) return;
    const path = focus === null ? undefined : paths[focus];
    drawn.layer.setFocus(path ? path.index : null);
    const { times } = drawn;
    const first = times[0];
    const last = times[times.length - 1];
    if (!path || first === undefined || last === undefined) return;
    const step = times.length > 1 ? (last - first) / (times.length - 1) : 60;
    const margin = Math.max(FOCUS_MARGIN_BARS * step, (path.exit - path.entry) * 0.3);
    const from = Math.max(first, path.entry - margin);
    const to = Math.min(last, path.exit + margin);
    drawn.chart.timeScale().setVisibleRange({ from: from as UTCTimestamp, to: to as UTCTimestamp });
    container.current?.scrollIntoView({ block: "nearest" });
  }, [drawn, focus, paths]);

  const toggle = (code: string) =>
    setHidden((current) => {
      const next = new Set(current);
      if (!next.delete(code)) next.add(code);
      return next;
    });

  if (error !== null) {
    return (
      <Notice kind="error" testId="chart-error">
        {t("chart.error", { error })}
      </Notice>
    );
  }
  if (candles === null) return <p className="muted">{t("chart.loading")}</p>;
  if (candles.length === 0) return <p className="muted">{t("chart.empty")}</p>;
  const shown = (hover !== null ? byTime.get(hover) : undefined) ?? candles[candles.length - 1];
  return (
    <figure className="chart-figure">
      <OverlayToggles overlays={overlays} error={overlayError} hidden={hidden} onToggle={toggle} />
      <div className="chart-wrap">
        <div
          ref={container}
          className="chart"
          role="img"
          aria-label={t("chart.label")}
          data-testid="price-chart"
          data-trades={trades.length}
          data-focus={focus ?? ""}
        />
        {shown ? <OhlcLegend candle={shown} trades={byBar.get(shown.time)} /> : null}
      </div>
      <figcaption className="muted small">{t("chart.legend")}</figcaption>
    </figure>
  );
}
