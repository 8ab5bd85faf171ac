/**
 * The simulation's live price chart (lightweight-charts v5): the candles of one traded
 * pair as the run closes them (fetched as its last bar moves on), fill markers, the open
 * position's entry / SL / TP and resting orders as price lines, and the paper
 * portfolio's equity curve in a pane beneath, sharing the time axis.
 */
import {
  CandlestickSeries,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";

import { getCandles, getSimEquity, listOrders } from "../api/client";
import type { Candle, EnginePair, EquityPoint, Order, Position, SimTrade } from "../api/types";
import { COLORS, candleData, chartOptions, uniqueByTime } from "../backtest/chartData";
import { Notice } from "../components/Notice";
import { hasMessage, useI18n } from "../i18n/I18nProvider";
import { isAbort, messageOf } from "../lib/errors";
import { toEpochSeconds } from "../lib/format";
import { isoOfSeconds, timeframeSeconds } from "../lib/timeframes";
import { MAX_CANDLES, fillMarkers, levels, mergeCandles, type LiveLabels } from "./liveChart";

/** Orders read for the resting-order lines (newest first). */
const ORDER_LIMIT = 200;

interface SimulationChartProps {
  pairs: EnginePair[];
  trades: SimTrade[] | null;
  positions: Position[] | null;
  /** Bumped when the engine's data changed: orders and equity are read again. */
  revision: number;
}

/** The chart objects once drawn. */
interface Drawn {
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  equity: ISeriesApi<"Line">;
  markers: ISeriesMarkersPluginApi<Time>;
}

export function SimulationChart({ pairs, trades, positions, revision }: SimulationChartProps) {
  const { t, locale } = useI18n();
  const [chosen, setChosen] = useState(0);
  const pair = pairs[Math.min(chosen, pairs.length - 1)];
  const symbol = pair?.symbol ?? "";
  const timeframe = pair?.timeframe ?? "";
  const lastBar = pair?.last_bar ?? null;
  const step = timeframeSeconds(timeframe);
  const key = `${symbol}:${timeframe}`;
  const [loaded, setLoaded] = useState<{ key: string; candles: Candle[] }>({ key: "", candles: [] });
  const [equity, setEquity] = useState<EquityPoint[]>([]);
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const candles = loaded.key === key ? loaded.candles : [];

  // New candles up to the pair's last bar: only those after the ones held (all of the
  // newest window after a jump or for another pair).
  useEffect(() => {
    if (!symbol || lastBar === null || !Number.isFinite(step)) return undefined;
    const last = toEpochSeconds(lastBar);
    const held = loaded.key === key ? loaded.candles : [];
    const newest = held[held.length - 1]?.time;
    if (newest !== undefined && newest >= last) return undefined;
    const from = newest !== undefined && last - newest <= step * MAX_CANDLES ? newest + step : last - step * (MAX_CANDLES - 1);
    const controller = new AbortController();
    getCandles(symbol, timeframe, isoOfSeconds(from), isoOfSeconds(last + step), controller.signal)
      .then((rows) => {
        setLoaded((current) => ({ key, candles: mergeCandles(current.key === key ? current.candles : [], rows) }));
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setError(messageOf(reason));
      });
    return () => controller.abort();
  }, [symbol, timeframe, key, lastBar, step, loaded]);

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([getSimEquity(controller.signal), listOrders(ORDER_LIMIT, controller.signal)])
      .then(([points, rows]) => {
        setEquity(points);
        setOrders(rows);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setError(messageOf(reason));
      });
    return () => controller.abort();
  }, [revision]);

  const labels = useMemo<LiveLabels>(
    () => ({
      long: t("chart.marker.long"),
      short: t("chart.marker.short"),
      exit: (reason) => {
        const code = `reason.${reason}`;
        return hasMessage(code) ? t(code) : reason;
      },
      entry: t("replay.chart.entry"),
      stopLoss: t("replay.chart.sl"),
      takeProfit: t("replay.chart.tp"),
      order: (type, side) => {
        const kind = `orderType.${type}`;
        return t(side === "buy" ? "replay.chart.buy" : "replay.chart.sell", { type: hasMessage(kind) ? t(kind) : type });
      },
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the labels change with the locale only
    [locale],
  );
  const first = candles[0]?.time ?? 0;
  const last = candles[candles.length - 1]?.time ?? 0;
  const pairKey = useMemo(() => ({ symbol, strategy: pair?.strategy ?? "" }), [symbol, pair?.strategy]);
  const markers = useMemo(
    () => fillMarkers(trades ?? [], positions ?? [], pairKey, step, [first, last], labels),
    [trades, positions, pairKey, step, first, last, labels],
  );
  const lines = useMemo(() => levels(positions ?? [], orders, pairKey, labels), [positions, orders, pairKey, labels]);
  const hasCandles = candles.length > 0;

  // The chart: candles and the equity pane, created once per pair and locale.
  useEffect(() => {
    const element = container.current;
    if (!element || !hasCandles) return undefined;
    const options = chartOptions(locale);
    const chart = createChart(element, { ...options, timeScale: { ...options.timeScale, shiftVisibleRangeOnNewBar: true } });
    const candleSeries = chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      borderVisible: false,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
    });
    const equitySeries = chart.addSeries(LineSeries, { color: COLORS.equity, lineWidth: 2, priceLineVisible: false, title: t("replay.chart.equity") }, 1);
    const [pricePane, equityPane] = chart.panes();
    pricePane?.setStretchFactor(3);
    equityPane?.setStretchFactor(1);
    const markerApi = createSeriesMarkers(candleSeries, []);
    setDrawn({ chart, candles: candleSeries, equity: equitySeries, markers: markerApi });
    return () => {
      setDrawn(null);
      markerApi.detach();
      chart.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the title changes with the locale only
  }, [key, locale, hasCandles]);

  useEffect(() => {
    drawn?.candles.setData(candleData(candles));
  }, [drawn, candles]);

  useEffect(() => {
    drawn?.equity.setData(uniqueByTime(equity.map((point) => ({ time: point.time as UTCTimestamp, value: point.equity }))));
  }, [drawn, equity]);

  useEffect(() => {
    drawn?.markers.setMarkers(markers);
  }, [drawn, markers]);

  useEffect(() => {
    if (drawn === null) return undefined;
    const created: IPriceLine[] = lines.map((line) =>
      drawn.candles.createPriceLine({ price: line.price, color: line.color, lineStyle: line.style, lineWidth: 1, axisLabelVisible: true, title: line.title }),
    );
    return () => {
      for (const line of created) drawn.candles.removePriceLine(line);
    };
  }, [drawn, lines]);

  return (
    <section className="card" aria-labelledby="sim-chart-title" data-testid="sim-chart-card">
      <div className="card-head">
        <h2 id="sim-chart-title">{t("replay.chart.title")}</h2>
        {pairs.length > 1 ? (
          <label className="inline-field">
            <span>{t("replay.chart.pair")}</span>
            <select value={Math.min(chosen, pairs.length - 1)} onChange={(event) => setChosen(Number(event.target.value))}>
              {pairs.map((p, index) => (
                <option key={`${p.symbol}/${p.strategy}`} value={index}>
                  {`${p.symbol} · ${p.strategy} · ${p.timeframe}`}
                </option>
              ))}
            </select>
          </label>
        ) : pair ? (
          <span className="muted small">{`${pair.symbol} · ${pair.strategy} · ${pair.timeframe}`}</span>
        ) : null}
      </div>
      {error !== null ? (
        <Notice kind="error" testId="sim-chart-error">
          {t("chart.error", { error })}
        </Notice>
      ) : null}
      {pair === undefined || lastBar === null ? (
        <p className="muted">{t("replay.chart.empty")}</p>
      ) : !hasCandles ? (
        <p className="muted">{t("chart.loading")}</p>
      ) : null}
      <figure className="chart-figure" hidden={!hasCandles}>
        <div
          ref={container}
          className="chart"
          role="img"
          aria-label={t("replay.chart.label")}
          data-testid="sim-chart"
          data-candles={candles.length}
          data-last={last || ""}
          data-fills={markers.length}
          data-lines={lines.length}
          data-equity={equity.length}
        />
        <figcaption className="muted small">{t("replay.chart.legend")}</figcaption>
      </figure>
    </section>
  );
}
