/**
 * Trade analytics of a result (issue 13): per position R, duration, MAE/MFE, return % and
 * entry reasons; the long/short split; monthly (and daily) returns; the underwater
 * (drawdown) chart and the P&L histogram, drawn as plain SVG like the Scores histogram.
 * "—" wherever there is nothing to measure; a result stored before analytics existed says so.
 */
import { type RefObject, useEffect, useRef, useState } from "react";

import type { components } from "../api/schema.gen";
import type { BacktestResult } from "../api/types";
import { SpacerRow, useRowWindow } from "../components/RowWindow";
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n } from "../i18n/I18nProvider";
import { formatCount, formatNumber, formatPercent, formatSigned, formatSignedPercent, formatTime } from "../lib/format";
import { formatDuration } from "./sweep/format";

type Schemas = components["schemas"];
type Analytics = Schemas["AnalyticsPublic"];
type PeriodReturn = Schemas["PeriodReturnPublic"];

const WIDTH = 400;
const HEIGHT = 150;
const AXIS = 18;
const TOP = 14;

function signClass(value: number | null | undefined): string {
  if (value === null || value === undefined) return "num";
  return value > 0 ? "num pos" : value < 0 ? "num neg" : "num";
}

function formatR(value: number | null | undefined, locale: string): string {
  return value === null || value === undefined ? "—" : `${formatSigned(value, locale)} R`;
}

/** An excursion: `3.00 % (0.60 R)`, the R part only when the position has a known stop. */
function formatExcursion(pct: number | null | undefined, r: number | null | undefined, locale: string): string {
  if (pct === null || pct === undefined) return "—";
  const inR = r === null || r === undefined ? "" : ` (${formatNumber(r, locale)} R)`;
  return `${formatPercent(pct, locale)}${inR}`;
}

function SplitTable({ analytics }: { analytics: Analytics }) {
  const { t, locale } = useI18n();
  return (
    <table className="table table-compact" data-testid="analytics-split">
      <thead>
        <tr>
          <th scope="col">{t("trade.side")}</th>
          <th scope="col" className="num">{t("analytics.positions")}</th>
          <th scope="col" className="num">{t("analytics.winRate")}</th>
          <th scope="col" className="num">{t("analytics.netPnl")}</th>
          <th scope="col" className="num">{t("analytics.avgR")}</th>
        </tr>
      </thead>
      <tbody>
        {analytics.sides.map((row) => (
          <tr key={row.side} data-testid="split-row" data-side={row.side} data-count={row.positions}>
            <td>
              <span className={`side side-${row.side}`}>{t(`side.${row.side}` as MessageKey)}</span>
            </td>
            <td className="num">{formatCount(row.positions, locale)}</td>
            <td className="num">{row.positions ? formatPercent(row.win_rate, locale, 1) : "—"}</td>
            <td className={signClass(row.positions ? row.net_pnl : null)}>{row.positions ? formatSigned(row.net_pnl, locale) : "—"}</td>
            <td className={signClass(row.avg_r)}>{formatR(row.avg_r, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PositionsTable({ analytics }: { analytics: Analytics }) {
  const { t, locale } = useI18n();
  const rows = useRowWindow(analytics.positions.length, '[data-testid="analytics-row"]');
  if (analytics.positions.length === 0) return <p className="muted">{t("trades.empty")}</p>;
  return (
    <div className="table-scroll trades-scroll" ref={rows.scroller} onScroll={rows.onScroll}>
      <table className="table table-compact" data-testid="analytics-positions" data-total-rows={analytics.positions.length}>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("trade.side")}</th>
            <th scope="col">{t("trade.entryTime")}</th>
            <th scope="col" className="num">{t("trade.pnl")}</th>
            <th scope="col" className="num">{t("analytics.return")}</th>
            <th scope="col" className="num">R</th>
            <th scope="col" className="num">{t("analytics.duration")}</th>
            <th scope="col" className="num">MAE</th>
            <th scope="col" className="num">MFE</th>
            <th scope="col">{t("analytics.reasons")}</th>
          </tr>
        </thead>
        <tbody>
          <SpacerRow height={rows.padTop} columns={10} />
          {analytics.positions.slice(rows.first, rows.last).map((row, offset) => ({ row, index: rows.first + offset })).map(({ row, index }) => (
            <tr key={index} data-testid="analytics-row" data-index={index} data-r={row.r ?? ""} data-duration-min={row.duration_min}>
              <td className="muted">{index + 1}</td>
              <td>
                <span className={`side side-${row.side}`}>{t(`side.${row.side}` as MessageKey)}</span>
                {row.legs > 1 ? <span className="muted small"> ×{row.legs}</span> : null}
              </td>
              <td className="nowrap">{formatTime(row.entry_time)}</td>
              <td className={signClass(row.pnl)}>{formatSigned(row.pnl, locale)}</td>
              <td className={signClass(row.return_pct)}>{formatSignedPercent(row.return_pct, locale)}</td>
              <td className={signClass(row.r)} data-testid="analytics-r">{formatR(row.r, locale)}</td>
              <td className="num nowrap" data-testid="analytics-duration">{formatDuration(row.duration_min * 60, t)}</td>
              <td className="num nowrap">{formatExcursion(row.mae_pct, row.mae_r, locale)}</td>
              <td className="num nowrap">{formatExcursion(row.mfe_pct, row.mfe_r, locale)}</td>
              <td className="small">{row.reasons.length ? row.reasons.map((r) => (hasMessage(`why.${r}`) ? t(`why.${r}` as MessageKey) : r)).join(", ") : "—"}</td>
            </tr>
          ))}
          <SpacerRow height={rows.padBottom} columns={10} />
        </tbody>
      </table>
    </div>
  );
}

function ReturnsTable({ rows, testId }: { rows: PeriodReturn[]; testId: string }) {
  const { t, locale } = useI18n();
  if (rows.length === 0) return <p className="muted">—</p>;
  return (
    <table className="table table-compact" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t("analytics.period")}</th>
          <th scope="col" className="num">{t("analytics.startEquity")}</th>
          <th scope="col" className="num">{t("analytics.endEquity")}</th>
          <th scope="col" className="num">{t("trade.pnl")}</th>
          <th scope="col" className="num">{t("analytics.return")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.period} data-testid="period-row">
            <td className="nowrap">{row.period}</td>
            <td className="num">{formatNumber(row.start_equity, locale)}</td>
            <td className="num">{formatNumber(row.end_equity, locale)}</td>
            <td className={signClass(row.pnl)}>{formatSigned(row.pnl, locale)}</td>
            <td className={signClass(row.return_pct)}>{formatSignedPercent(row.return_pct, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Drawdown % below the equity peak over time: an area from 0 down to the deepest point. */
function UnderwaterChart({ points }: { points: [string, number][] }) {
  const { t, locale } = useI18n();
  if (points.length === 0) return <p className="muted">—</p>;
  const deepest = Math.min(0, ...points.map(([, v]) => v));
  const scale = deepest < 0 ? -deepest : 1;
  const base = HEIGHT - AXIS;
  const x = (i: number) => (points.length === 1 ? WIDTH / 2 : (i / (points.length - 1)) * WIDTH);
  const y = (v: number) => TOP + (-v / scale) * (base - TOP);
  const line = points.map(([, v], i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const area = `${line} L${x(points.length - 1).toFixed(1)},${TOP} L${x(0).toFixed(1)},${TOP} Z`;
  const first = points[0]?.[0] ?? "";
  const last = points[points.length - 1]?.[0] ?? "";
  return (
    <svg className="histogram underwater" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t("analytics.underwaterLabel", { max: formatPercent(deepest, locale) })} data-testid="underwater-chart" data-points={points.length} data-max={deepest}>
      <path className="underwater-area" d={area} />
      <path className="underwater-line" d={line} data-testid="underwater-path" />
      <line className="histogram-axis" x1={0} x2={WIDTH} y1={TOP} y2={TOP} />
      <text className="histogram-tick" x={WIDTH - 2} y={TOP - 3} textAnchor="end">0 %</text>
      <text className="histogram-tick" x={WIDTH - 2} y={base - 3} textAnchor="end">{formatPercent(deepest, locale)}</text>
      <text className="histogram-tick" x={0} y={HEIGHT - 4} textAnchor="start">{formatTime(first).slice(0, 10)}</text>
      <text className="histogram-tick" x={WIDTH} y={HEIGHT - 4} textAnchor="end">{formatTime(last).slice(0, 10)}</text>
    </svg>
  );
}

function PnlHistogram({ analytics }: { analytics: Analytics }) {
  const { t, locale } = useI18n();
  const bins = analytics.histogram;
  if (bins.length === 0) return <p className="muted">—</p>;
  const max = Math.max(1, ...bins.map((bin) => bin.count));
  const slot = WIDTH / bins.length;
  const base = HEIGHT - AXIS;
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  return (
    <svg className="histogram" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t("analytics.histogramLabel", { total, bins: bins.length })} data-testid="pnl-histogram" data-total={total}>
      {bins.map((bin, index) => {
        const height = (bin.count / max) * (base - TOP);
        const x = index * slot;
        const range = { lower: formatSigned(bin.low, locale), upper: formatSigned(bin.high, locale) };
        const loss = bin.high <= 0;
        return (
          <g key={index}>
            <rect className={loss ? "histogram-bar pnl-loss" : "histogram-bar"} x={x + 2} y={base - height} width={Math.max(1, slot - 4)} height={height} data-testid="pnl-bar" data-count={bin.count} data-low={bin.low} data-high={bin.high}>
              <title>{t("analytics.bin", { ...range, count: bin.count })}</title>
            </rect>
            {bin.count > 0 ? (
              <text className="histogram-count" x={x + slot / 2} y={base - height - 3} textAnchor="middle">
                {bin.count}
              </text>
            ) : null}
          </g>
        );
      })}
      <line className="histogram-axis" x1={0} x2={WIDTH} y1={base} y2={base} />
      <text className="histogram-tick" x={0} y={HEIGHT - 4} textAnchor="start">{formatSigned(bins[0]?.low, locale)}</text>
      <text className="histogram-tick" x={WIDTH} y={HEIGHT - 4} textAnchor="end">{formatSigned(bins[bins.length - 1]?.high, locale)}</text>
    </svg>
  );
}

/** How near the viewport (px) the section starts drawing, and how long at most it waits. */
const NEAR_MARGIN = "400px";
const IDLE_WAIT_MS = 1500;

/** True once `ref`'s element comes near the viewport or the page is first idle (at most
 * `IDLE_WAIT_MS` later): the dialog paints its metrics, trades and price chart first. */
function useShown(ref: RefObject<HTMLElement | null>): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (shown || !element) return undefined;
    const show = () => setShown(true);
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && show(), { rootMargin: NEAR_MARGIN });
    observer.observe(element);
    const idle = typeof requestIdleCallback === "function" ? requestIdleCallback(show, { timeout: IDLE_WAIT_MS }) : window.setTimeout(show, IDLE_WAIT_MS);
    return () => {
      observer.disconnect();
      if (typeof cancelIdleCallback === "function") cancelIdleCallback(idle);
      else window.clearTimeout(idle);
    };
  }, [ref, shown]);
  return shown;
}

/** The "Analytics" section of the details modal, drawn once near the viewport or idle. */
export function AnalyticsSection({ result }: { result: BacktestResult }) {
  const { t } = useI18n();
  const [daily, setDaily] = useState(false);
  const section = useRef<HTMLElement>(null);
  const shown = useShown(section);
  const analytics = result.analytics ?? null;
  return (
    <section ref={section} aria-labelledby="sec-analytics" data-testid="analytics-section">
      <h3 id="sec-analytics">{t("section.analytics")}</h3>
      {!shown ? (
        <p className="muted">{t("modal.loading")}</p>
      ) : analytics === null ? (
        <p className="muted" data-testid="analytics-none">{t("analytics.none")}</p>
      ) : (
        <>
          <div className="sections-row">
            <section aria-labelledby="sec-split">
              <h4 id="sec-split">{t("analytics.split")}</h4>
              <SplitTable analytics={analytics} />
            </section>
            <section aria-labelledby="sec-monthly">
              <h4 id="sec-monthly">{t("analytics.monthly")}</h4>
              <ReturnsTable rows={analytics.monthly} testId="analytics-monthly" />
              <button type="button" className="btn btn-small" aria-expanded={daily} onClick={() => setDaily(!daily)} data-testid="analytics-daily-toggle">
                {daily ? t("analytics.hideDaily") : t("analytics.showDaily")}
              </button>
              {daily ? <ReturnsTable rows={analytics.daily} testId="analytics-daily" /> : null}
            </section>
          </div>
          <div className="sections-row">
            <section aria-labelledby="sec-underwater">
              <h4 id="sec-underwater">{t("analytics.underwater")}</h4>
              <UnderwaterChart points={analytics.underwater as [string, number][]} />
            </section>
            <section aria-labelledby="sec-pnl-hist">
              <h4 id="sec-pnl-hist">{t("analytics.histogram")}</h4>
              <PnlHistogram analytics={analytics} />
            </section>
          </div>
          <h4>{t("analytics.positionsTitle", { n: analytics.positions.length })}</h4>
          <p className="muted small">{t("analytics.help")}</p>
          <PositionsTable analytics={analytics} />
        </>
      )}
    </section>
  );
}
