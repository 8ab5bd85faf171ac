/**
 * The equity curves of compared results overlaid on one time axis, each normalised to
 * start at 100 (lightweight-charts v5), with a dashed line at 100 and a legend naming
 * each result in its colour.
 */
import { ColorType, CrosshairMode, LineSeries, LineStyle, createChart, type LineData, type Time, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";

import type { ComparedRun } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { toEpochSeconds } from "../lib/format";

/** One colour per compared result, in order (up to `MAX_COMPARED`). */
export const RUN_COLORS = ["#58a6ff", "#f0883e", "#3fb950", "#d2a8ff", "#ff7b72", "#e3b341"];

const THEME = { background: "#0d1117", text: "#9aa7b4", grid: "#1c232c", border: "#2a3440", base: "#6e7681" };

/** A normalised curve as chart points, keeping only strictly increasing times. */
function linePoints(equity: [string, number][]): LineData<Time>[] {
  const points: LineData<Time>[] = [];
  let last = -Infinity;
  for (const [iso, value] of equity) {
    const time = toEpochSeconds(iso);
    if (!Number.isFinite(time) || !Number.isFinite(value) || time <= last) continue;
    points.push({ time: time as UTCTimestamp, value });
    last = time;
  }
  return points;
}

interface CompareChartProps {
  runs: ComparedRun[];
  names: string[];
}

export function CompareChart({ runs, names }: CompareChartProps) {
  const { t } = useI18n();
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return undefined;
    const chart = createChart(element, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: THEME.background }, textColor: THEME.text, fontFamily: "inherit" },
      grid: { vertLines: { color: THEME.grid }, horzLines: { color: THEME.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: THEME.border },
      timeScale: { borderColor: THEME.border, timeVisible: true, secondsVisible: false },
      localization: { locale: "en-GB" },
    });
    runs.forEach((run, index) => {
      const series = chart.addSeries(LineSeries, {
        color: RUN_COLORS[index % RUN_COLORS.length],
        lineWidth: 2,
        priceLineVisible: false,
        title: `#${index + 1}`,
      });
      series.setData(linePoints(run.equity));
      if (index === 0) series.createPriceLine({ price: 100, color: THEME.base, lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: false, title: "" });
    });
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [runs]);

  return (
    <figure className="chart-figure">
      <div ref={container} className="chart compare-chart" role="img" aria-label={t("compare.chartLabel")} data-testid="compare-chart" />
      <figcaption>
        <ul className="compare-legend" aria-label={t("compare.legend")} data-testid="compare-legend">
          {runs.map((run, index) => (
            <li key={run.summary.id} data-testid="legend-entry" data-id={run.summary.id}>
              <span className="legend-swatch" style={{ background: RUN_COLORS[index % RUN_COLORS.length] }} aria-hidden="true" />
              {names[index]}
              {run.equity.length === 0 ? <span className="muted"> {t("compare.noCurve")}</span> : null}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
