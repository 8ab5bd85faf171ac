/**
 * Scores of the strategies that rate their signals (`score`, 0–100): a histogram of the
 * stored signals' scores (`GET /signals/histogram`, SVG bars) and the scoreboard, the
 * newest score of each traded symbol and strategy, best first (`GET /signals/scores`).
 * Both refresh shortly after a new signal or an engine change (at most once per
 * `REFRESH_MS`); the strategy filter narrows the histogram.
 */
import { useEffect, useRef, useState } from "react";

import { getScoreHistogram, listSignalScores } from "../api/client";
import type { ScoreHistogram, ScoreboardRow } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { isAbort, messageOf } from "../lib/errors";
import { formatNumber, formatTime } from "../lib/format";
import { StatusBadge } from "../live/labels";
import { useLive } from "../live/LiveProvider";

/** Bins of the histogram (10 points each). */
export const SCORE_BINS = 10;
/** Rows of the scoreboard. */
export const SCOREBOARD_ROWS = 50;
/** Least time between two refreshes. */
const REFRESH_MS = 1000;

const WIDTH = 400;
const HEIGHT = 150;
const AXIS = 18;
const TOP = 14;
const TICKS = [0, 25, 50, 75, 100];

function Histogram({ data }: { data: ScoreHistogram }) {
  const { t, locale } = useI18n();
  const max = Math.max(1, ...data.bins.map((bin) => bin.count));
  const slot = WIDTH / Math.max(1, data.bins.length);
  const base = HEIGHT - AXIS;
  const mean = data.mean === null ? "—" : formatNumber(data.mean, locale, 1);
  return (
    <svg
      className="histogram"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={t("scores.histogramLabel", { total: data.total, bins: data.bins.length, mean })}
      data-testid="score-histogram"
      data-total={data.total}
    >
      {data.bins.map((bin, index) => {
        const height = (bin.count / max) * (base - TOP);
        const x = index * slot;
        const range = { lower: formatNumber(bin.lower, locale, 0), upper: formatNumber(bin.upper, locale, 0) };
        return (
          <g key={index}>
            <rect
              className="histogram-bar"
              x={x + 2}
              y={base - height}
              width={Math.max(1, slot - 4)}
              height={height}
              data-testid="histogram-bar"
              data-lower={bin.lower}
              data-upper={bin.upper}
              data-count={bin.count}
            >
              <title>{t("scores.bin", { ...range, count: bin.count })}</title>
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
      {TICKS.map((tick) => (
        <text
          key={tick}
          className="histogram-tick"
          x={(tick / 100) * WIDTH}
          y={HEIGHT - 4}
          textAnchor={tick === 0 ? "start" : tick === 100 ? "end" : "middle"}
        >
          {tick}
        </text>
      ))}
    </svg>
  );
}

function Scoreboard({ rows }: { rows: ScoreboardRow[] }) {
  const { t, locale } = useI18n();
  return (
    <div className="table-scroll">
      <table className="table table-compact" data-testid="scoreboard">
        <thead>
          <tr>
            <th scope="col">{t("col.pair")}</th>
            <th scope="col">{t("col.strategy")}</th>
            <th scope="col" className="num">
              {t("signal.score")}
            </th>
            <th scope="col">{t("signal.tier")}</th>
            <th scope="col">{t("signal.time")}</th>
            <th scope="col">{t("col.status")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={`${row.symbol}/${row.strategy}`}
              data-testid="score-row"
              data-symbol={row.symbol}
              data-strategy={row.strategy}
              data-score={row.score}
              data-signal-id={row.signal_id}
            >
              <td>{row.symbol}</td>
              <td>{row.strategy}</td>
              <td className="num score-cell">
                <span className="score-meter" aria-hidden="true">
                  <span style={{ width: `${Math.min(100, Math.max(0, row.score))}%` }} />
                </span>
                {formatNumber(row.score, locale, 1)}
              </td>
              <td>{row.tier ?? "—"}</td>
              <td className="nowrap">{formatTime(row.time)}</td>
              <td>
                <StatusBadge status={row.status} prefix="signalStatus" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ScoresCard() {
  const { t, locale } = useI18n();
  const { signals, revision } = useLive();
  const [strategy, setStrategy] = useState("");
  const [board, setBoard] = useState<ScoreboardRow[] | null>(null);
  const [histogram, setHistogram] = useState<ScoreHistogram | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const timer = useRef<number | null>(null);
  const newest = signals.reduce((max, signal) => Math.max(max, signal.id), 0);

  // A new signal or an engine change asks for a refresh; they are throttled, not dropped.
  useEffect(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      setTick((n) => n + 1);
    }, REFRESH_MS);
  }, [newest, signals.length, revision]);

  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([
      listSignalScores(SCOREBOARD_ROWS, undefined, controller.signal),
      getScoreHistogram(SCORE_BINS, { strategy }, controller.signal),
    ])
      .then(([rows, counts]) => {
        setBoard(rows);
        setHistogram(counts);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setError(messageOf(reason));
      });
    return () => controller.abort();
  }, [tick, strategy]);

  const strategies = [...new Set([...(board ?? []).map((row) => row.strategy), ...(strategy ? [strategy] : [])])].sort();
  const mean = histogram?.mean === null || histogram?.mean === undefined ? "—" : formatNumber(histogram.mean, locale, 1);

  return (
    <section className="card" aria-labelledby="scores-title" data-testid="scores-card">
      <div className="card-head">
        <h2 id="scores-title">
          {t("scores.title")} <span className="muted small">{t("scores.hint")}</span>
        </h2>
        <label className="inline-field">
          <span>{t("scores.strategy")}</span>
          <select value={strategy} onChange={(event) => setStrategy(event.target.value)} data-testid="scores-strategy">
            <option value="">{t("scores.allStrategies")}</option>
            {strategies.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== null ? (
        <Notice kind="error" testId="scores-error">
          {t("err.load", { error })}
        </Notice>
      ) : null}
      {board === null || histogram === null ? (
        <p className="muted">{t("scores.loading")}</p>
      ) : board.length === 0 && histogram.total === 0 ? (
        <p className="muted" data-testid="scores-empty">
          {t("scores.empty")}
        </p>
      ) : (
        <div className="scores-grid">
          <section aria-labelledby="scores-histogram-title">
            <h3 id="scores-histogram-title">
              {t("scores.histogram")}{" "}
              <span className="muted small" data-testid="scores-total">
                {t("scores.total", { total: histogram.total, mean })}
              </span>
            </h3>
            <Histogram data={histogram} />
          </section>
          <section aria-labelledby="scores-board-title">
            <h3 id="scores-board-title">{t("scores.scoreboard")}</h3>
            <Scoreboard rows={board} />
          </section>
        </div>
      )}
    </section>
  );
}
