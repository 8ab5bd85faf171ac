/**
 * A heat map of the objective over two numeric swept parameters (X and Y chosen by
 * selects): each cell holds the best objective of the trials at that pair of values,
 * whatever the other parameters were; colours run on a diverging scale from red (bad)
 * through grey (neutral) to green (good); a cell no trial ranked is grey, its value in
 * its title. A walk-forward sweep shows one window at a time.
 */
import { useMemo, useState } from "react";

import type { SweepTrial } from "../../api/types";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { formatMetric, formatValue } from "./format";
import { better, type SpaceAxis } from "./summary";

const NONE = "";
const BAD = [248, 81, 73];
const MID = [48, 58, 72];
const GOOD = [63, 185, 80];

/** The neutral value of an objective: where the scale turns from bad to good. */
function neutralOf(objective: string, values: number[]): number {
  switch (objective) {
    case "profit_factor":
      return 1;
    case "win_rate":
      return 50;
    case "max_drawdown_pct": {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0);
    }
    default:
      return 0;
  }
}

function mix(from: number[], to: number[], share: number): string {
  const channel = (index: number) => Math.round((from[index] ?? 0) + ((to[index] ?? 0) - (from[index] ?? 0)) * share);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

/** The colour of `value` on the diverging scale (`goodness` in −1..1). */
export function heatColor(goodness: number): string {
  const g = Math.max(-1, Math.min(1, goodness));
  return g >= 0 ? mix(MID, GOOD, g) : mix(MID, BAD, -g);
}

interface Cell {
  objective: number;
  number: number;
}

interface HeatMapProps {
  trials: SweepTrial[];
  axes: SpaceAxis[];
  objective: string;
  maximize: boolean;
  windows: number[];
}

export function HeatMap({ trials, axes, objective, maximize, windows }: HeatMapProps) {
  const { t, locale } = useI18n();
  const numeric = axes.filter((axis) => axis.numeric);
  const [xName, setXName] = useState(numeric[0]?.name ?? NONE);
  const [yName, setYName] = useState(numeric[1]?.name ?? NONE);
  const [shownWindow, setShownWindow] = useState(windows[0] ?? 0);
  const xAxis = numeric.find((axis) => axis.name === xName) ?? numeric[0];
  const yAxis = yName === NONE ? undefined : numeric.find((axis) => axis.name === yName && axis.name !== xAxis?.name);

  const { cells, neutral, spread } = useMemo(() => {
    const found = new Map<string, Cell>();
    if (!xAxis) return { cells: found, neutral: 0, spread: 1 };
    for (const trial of trials) {
      if (trial.window !== shownWindow || trial.objective === null || trial.objective === undefined) continue;
      const x = trial.params[xAxis.name];
      const y = yAxis ? trial.params[yAxis.name] : NONE;
      const key = `${String(x)}|${String(y)}`;
      const current = found.get(key);
      if (!current || better(trial.objective, current.objective, maximize)) found.set(key, { objective: trial.objective, number: trial.number });
    }
    const values = [...found.values()].map((cell) => cell.objective);
    const middle = neutralOf(objective, values);
    const widest = Math.max(0, ...values.map((value) => Math.abs(value - middle)));
    return { cells: found, neutral: middle, spread: widest > 0 ? widest : 1 };
  }, [trials, xAxis, yAxis, shownWindow, objective, maximize]);

  if (!xAxis) {
    return <p className="muted" data-testid="heatmap-none">{t("sweep.heatNone")}</p>;
  }
  const objectiveName = t(`metric.${objective}` as MessageKey);
  const rows = yAxis ? yAxis.values : [NONE];
  const goodness = (value: number) => ((value - neutral) / spread) * (maximize ? 1 : -1);
  const low = maximize ? neutral - spread : neutral + spread;
  const high = maximize ? neutral + spread : neutral - spread;

  return (
    <div className="heatmap-wrap" data-testid="heatmap">
      <div className="toolbar heatmap-controls">
        <div className="inline-field">
          <label htmlFor="heat-x">{t("sweep.heatX")}</label>
          <select id="heat-x" value={xAxis.name} onChange={(event) => setXName(event.target.value)}>
            {numeric.map((axis) => (
              <option key={axis.name} value={axis.name}>
                {axis.name}
              </option>
            ))}
          </select>
        </div>
        <div className="inline-field">
          <label htmlFor="heat-y">{t("sweep.heatY")}</label>
          <select id="heat-y" value={yAxis?.name ?? NONE} onChange={(event) => setYName(event.target.value)}>
            <option value={NONE}>{t("sweep.heatYNone")}</option>
            {numeric
              .filter((axis) => axis.name !== xAxis.name)
              .map((axis) => (
                <option key={axis.name} value={axis.name}>
                  {axis.name}
                </option>
              ))}
          </select>
        </div>
        {windows.length > 1 ? (
          <div className="inline-field">
            <label htmlFor="heat-window">{t("sweep.heatWindow")}</label>
            <select id="heat-window" value={shownWindow} onChange={(event) => setShownWindow(Number(event.target.value))}>
              {windows.map((index) => (
                <option key={index} value={index}>
                  {index}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      <div className="table-scroll">
        <table className="heatmap" aria-label={t("sweep.heatLabel", { objective: objectiveName, x: xAxis.name, y: yAxis?.name ?? "—" })}>
          <thead>
            <tr>
              <th scope="col" className="heat-corner">
                {yAxis ? `${yAxis.name} ↓ · ${xAxis.name} →` : `${xAxis.name} →`}
              </th>
              {xAxis.values.map((x) => (
                <th key={String(x)} scope="col">
                  {formatValue(x)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((y) => (
              <tr key={String(y)}>
                <th scope="row">{yAxis ? formatValue(y) : objectiveName}</th>
                {xAxis.values.map((x) => {
                  const cell = cells.get(`${String(x)}|${String(y)}`);
                  const where = yAxis ? `${xAxis.name}=${formatValue(x)}, ${yAxis.name}=${formatValue(y)}` : `${xAxis.name}=${formatValue(x)}`;
                  if (!cell) {
                    return (
                      <td key={String(x)} className="heat-cell heat-empty" title={t("sweep.heatEmpty", { where })} data-testid="heat-cell" data-empty="true">
                        —
                      </td>
                    );
                  }
                  const text = formatMetric(objective, cell.objective, locale);
                  return (
                    <td
                      key={String(x)}
                      className="heat-cell"
                      style={{ background: heatColor(goodness(cell.objective)) }}
                      title={t("sweep.heatCell", { where, objective: objectiveName, value: text, number: cell.number })}
                      data-testid="heat-cell"
                      data-value={cell.objective}
                    >
                      {text}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="heat-legend" aria-hidden="true">
        <span>{formatMetric(objective, low, locale)}</span>
        <span className="heat-scale" style={{ background: `linear-gradient(90deg, ${heatColor(-1)}, ${heatColor(0)}, ${heatColor(1)})` }} />
        <span>{formatMetric(objective, high, locale)}</span>
        <span className="muted small">{t("sweep.heatHelp")}</span>
      </div>
    </div>
  );
}
