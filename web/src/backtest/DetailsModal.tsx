/**
 * "Detailed statistics" of one backtest, loaded only when opened: every
 * metric beside seed 002's go-live gates (pass/fail), rejections by reason and
 * blocks by circuit breaker, the risk
 * settings the run used (and which breakers were on), the price/equity chart
 * and the trade list.
 */
import { useEffect, useState } from "react";

import { ApiError, getBacktest } from "../api/client";
import type { BacktestDetail, BacktestResult, BacktestSummary, RiskUsed, Trade } from "../api/types";
import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { SpacerRow, useRowWindow } from "../components/RowWindow";
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n } from "../i18n/I18nProvider";
import { formatCount, formatNumber, formatPeriod, formatPrice, formatBaseQty, formatSigned, formatTime } from "../lib/format";
import { useDegradedLines } from "../lib/reasons";
import { BREAKERS } from "../lib/risk";
import { useLabel } from "../live/labels";
import { AnalyticsSection } from "./AnalyticsSection";
import { ExportToolbar, ProvenanceView } from "./ExportToolbar";
import { GatesTable, gateTally } from "./GatesTable";
import { LabelsEditor } from "./LabelsEditor";
import { COSTS, EXIT_REASONS, PERFORMANCE, SIGNALS, exitCounts, formatMetric, humanize, measuredValue, metricLabelKey, type MetricSpec } from "./metrics";
import { type ChartFeed, type ChartSpan, useChartFeed } from "./chartFeed";
import { PriceChart } from "./PriceChart";

interface DetailsModalProps {
  summary: BacktestSummary;
  onClose: () => void;
  /** Called with the updated list row once the notes and tags are saved. */
  onLabelsSaved?: (row: BacktestSummary) => void;
}

/** Metrics as a definition list, in the order of `specs` (missing ones skipped). */
export function MetricList({ specs, metrics, testId }: { specs: MetricSpec[]; metrics: Record<string, unknown>; testId: string }) {
  const { t, locale } = useI18n();
  const present = specs.filter((spec) => metrics[spec.key] !== undefined);
  if (present.length === 0) return null;
  return (
    <dl className="metrics" data-testid={testId}>
      {present.map((spec) => {
        const label = metricLabelKey(spec.key);
        const value = measuredValue(spec.key, metrics);
        const sign = spec.tone === true && typeof value === "number" ? Math.sign(value) : 0;
        return (
          <div key={spec.key} className="metric" data-metric={spec.key}>
            <dt>{label ? t(label) : humanize(spec.key)}</dt>
            <dd className={sign > 0 ? "pos" : sign < 0 ? "neg" : undefined}>{formatMetric(value, spec.format, locale, { h: t("unit.h"), m: t("unit.m"), s: t("unit.s") })}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function CountList({ counts, labelOf, testId, empty }: { counts: Record<string, number>; labelOf: (key: string) => string; testId: string; empty?: string }) {
  const { locale } = useI18n();
  const entries = Object.entries(counts);
  if (entries.length === 0) return empty ? <p className="muted">{empty}</p> : null;
  return (
    <dl className="metrics" data-testid={testId}>
      {entries.map(([key, count]) => (
        <div key={key} className="metric" data-metric={key}>
          <dt>{labelOf(key)}</dt>
          <dd>{formatCount(count, locale)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Closed trades; `showPair` adds pair and strategy columns (simulation trades span several pairs).
 * A long list renders only the rows in view (`useRowWindow`); with `onSelect`, a click (or
 * Enter) on a row selects that trade, and `selected` marks it. */
export function TradesTable({
  trades,
  showPair = false,
  selected = null,
  onSelect,
}: {
  trades: (Trade & { symbol?: string; strategy?: string })[];
  showPair?: boolean;
  selected?: number | null;
  onSelect?: (index: number) => void;
}) {
  const { t, locale } = useI18n();
  const rows = useRowWindow(trades.length, '[data-testid="trade-row"]');
  if (trades.length === 0) return <p className="muted">{t("trades.empty")}</p>;
  const columns = showPair ? 13 : 11;
  return (
    <>
      {rows.windowed ? (
        <p className="muted small" data-testid="trades-window">
          {t("trades.rows", { from: formatCount(rows.first + 1, locale), to: formatCount(rows.last, locale), n: formatCount(trades.length, locale) })}
        </p>
      ) : null}
      <div className="table-scroll trades-scroll" ref={rows.scroller} onScroll={rows.onScroll}>
        <table
          className={rows.windowed ? "table table-compact trades-windowed" : "table table-compact"}
          data-testid="trades-table"
          data-total-rows={trades.length}
          data-first-row={rows.first}
        >
          <thead>
            <tr>
              <th scope="col">#</th>
              {showPair ? <th scope="col">{t("col.pair")}</th> : null}
              {showPair ? <th scope="col">{t("col.strategy")}</th> : null}
              <th scope="col">{t("trade.side")}</th>
              <th scope="col">{t("trade.entryTime")}</th>
              <th scope="col">{t("trade.exitTime")}</th>
              <th scope="col" className="num">{t("trade.entryPrice")}</th>
              <th scope="col" className="num">{t("trade.exitPrice")}</th>
              <th scope="col" className="num">{t("trade.qty")}</th>
              <th scope="col">{t("trade.exitReason")}</th>
              <th scope="col" className="num">{t("trade.fees")}</th>
              <th scope="col" className="num">{t("trade.funding")}</th>
              <th scope="col" className="num">{t("trade.pnl")}</th>
            </tr>
          </thead>
          <tbody>
            <SpacerRow height={rows.padTop} columns={columns} />
            {trades.slice(rows.first, rows.last).map((trade, offset) => {
              const index = rows.first + offset;
              const reasonKey = `reason.${trade.exit_reason}`;
              return (
                <tr
                  key={index}
                  data-testid="trade-row"
                  data-index={index}
                  data-strategy={trade.strategy ?? undefined}
                  className={onSelect ? (index === selected ? "row-select selected" : "row-select") : undefined}
                  aria-selected={onSelect ? index === selected : undefined}
                  tabIndex={onSelect ? 0 : undefined}
                  title={onSelect ? t("chart.focusHint") : undefined}
                  onClick={onSelect ? () => onSelect(index) : undefined}
                  onKeyDown={onSelect ? (event) => event.key === "Enter" && onSelect(index) : undefined}
                >
                  <td className="muted">{index + 1}</td>
                  {showPair ? <td className="strong">{trade.symbol ?? "—"}</td> : null}
                  {showPair ? <td>{trade.strategy ?? "—"}</td> : null}
                  <td>
                    <span className={`side side-${trade.side}`}>{hasMessage(`side.${trade.side}`) ? t(`side.${trade.side}` as MessageKey) : trade.side}</span>
                  </td>
                  <td className="nowrap">{formatTime(trade.entry_time)}</td>
                  <td className="nowrap">{formatTime(trade.exit_time)}</td>
                  <td className="num">{formatPrice(trade.entry_price, locale)}</td>
                  <td className="num">{formatPrice(trade.exit_price, locale)}</td>
                  <td className="num">{formatBaseQty(trade.qty, locale, trade.symbol)}</td>
                  <td>{hasMessage(reasonKey) ? t(reasonKey) : trade.exit_reason}</td>
                  <td className="num">{formatNumber(trade.fees, locale)}</td>
                  <td className="num">{formatSigned(trade.funding, locale)}</td>
                  <td className={trade.pnl > 0 ? "num pos" : trade.pnl < 0 ? "num neg" : "num"}>{formatSigned(trade.pnl, locale)}</td>
                </tr>
              );
            })}
            <SpacerRow height={rows.padBottom} columns={columns} />
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The risk settings a run used: per breaker, whether it was on and its limits. */
function RiskUsedView({ risk }: { risk: RiskUsed }) {
  const { t, locale } = useI18n();
  const label = useLabel();
  const values = risk as unknown as Record<string, unknown>;
  const on = new Set(risk.breakers_on ?? []);
  const shown = (value: unknown) =>
    typeof value === "number" ? value.toLocaleString(locale) : typeof value === "boolean" ? t(value ? "form.true" : "form.false") : "—";
  return (
    <div className="table-scroll">
      <table className="table table-compact" data-testid="risk-used">
        <thead>
          <tr>
            <th scope="col">{t("riskEvents.breaker")}</th>
            <th scope="col">{t("risk.state")}</th>
            <th scope="col">{t("risk.limits")}</th>
          </tr>
        </thead>
        <tbody>
          {BREAKERS.map((breaker) => (
            <tr key={breaker.name} data-testid="risk-used-row" data-breaker={breaker.name} data-on={on.has(breaker.name)}>
              <td>{label("risk", breaker.name)}</td>
              <td>
                <span className={on.has(breaker.name) ? "badge badge-accepted" : "badge badge-stopped"}>
                  {on.has(breaker.name) ? t("risk.on") : t("risk.off")}
                </span>
              </td>
              <td>
                {breaker.fields
                  .filter((field) => field in values)
                  .map((field) => `${label("riskField", field)}: ${shown(values[field])}`)
                  .join(" · ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What a degraded run substituted: `aggTrades for 2025-06-17: …` → `aggTrades`. */
function degradedData(result: BacktestResult): string[] {
  return [...new Set((result.degraded ?? []).map((line) => line.split(" ")[0] ?? line))];
}

/** A small "degraded: …" badge shown beside each group of numbers of a degraded run. */
function DegradedBadge({ result }: { result: BacktestResult }) {
  const { t } = useI18n();
  const degradedLines = useDegradedLines();
  const data = degradedData(result);
  if (data.length === 0) return null;
  return (
    <span className="badge badge-degraded" data-testid="degraded-badge" title={degradedLines(result.degraded, result.degraded_codes).join("\n")}>
      {t("degraded.badge", { data: data.join(", ") })}
    </span>
  );
}

/** Seed 002's go-live table for the result (absent in an old result lacking what it needs). */
function GatesSection({ result }: { result: BacktestResult }) {
  const { t } = useI18n();
  const gates = result.gates ?? null;
  const tally = gates ? gateTally(gates) : null;
  return (
    <section aria-labelledby="sec-gates" data-testid="gates-section">
      <h3 id="sec-gates">
        {t("section.gates")}
        <DegradedBadge result={result} />
      </h3>
      {gates && tally ? (
        <>
          <p className="small" data-testid="gates-summary">
            <span className={tally.passed === tally.total ? "pos strong" : "neg strong"}>{t("gate.summary", tally)}</span>
          </p>
          <GatesTable sets={[{ key: "own", label: t("gate.col.value"), gates }]} testId="gates-table" />
          <p className="muted small">{t("gate.help")}</p>
        </>
      ) : (
        <p className="muted small" data-testid="gates-absent">
          {t("gate.absent")}
        </p>
      )}
    </section>
  );
}

/** The price chart and the trade list: a click on a trade row zooms the chart to that trade. */
function ChartAndTrades({ result, feed }: { result: BacktestResult; feed: ChartFeed }) {
  const { t } = useI18n();
  const [focus, setFocus] = useState<number | null>(null);
  return (
    <>
      <section aria-labelledby="sec-chart" data-testid="chart-section">
        <h3 id="sec-chart">{t("section.chart")}</h3>
        <PriceChart
          feed={feed}
          trades={result.trades}
          signals={result.signals}
          equity={result.equity}
          focus={focus}
        />
      </section>
      <section aria-labelledby="sec-trades">
        <h3 id="sec-trades">{t("section.trades", { n: result.trades.length })}</h3>
        {result.trades.length > 0 ? <p className="muted small">{t("chart.focusHint")}</p> : null}
        <TradesTable trades={result.trades} selected={focus} onSelect={setFocus} />
      </section>
    </>
  );
}

function ResultView({ result, feed }: { result: BacktestResult; feed: ChartFeed }) {
  const { t } = useI18n();
  const label = useLabel();
  const degradedLines = useDegradedLines();
  const metrics = result.metrics;
  const exits = exitCounts(metrics);
  const shownExits: Record<string, number> = {};
  for (const reason of EXIT_REASONS) if (reason in exits.counts) shownExits[reason] = exits.counts[reason] ?? 0;
  for (const [reason, count] of Object.entries(exits.counts)) if (!(reason in shownExits)) shownExits[reason] = count;

  const known = new Set<string>([...PERFORMANCE, ...COSTS, ...SIGNALS].map((s) => s.key).concat(exits.used));
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metrics)) if (!known.has(key)) other[key] = value;
  const otherSpecs: MetricSpec[] = Object.keys(other).map((key) => ({ key, format: "ratio" }));
  const reasonLabel = (key: string) => (hasMessage(`reason.${key}`) ? t(`reason.${key}` as MessageKey) : humanize(key));

  return (
    <>
      {(result.degraded ?? []).length > 0 ? (
        <div className="degraded-note small" role="note" data-testid="degraded-note" title={t("degraded.title")}>
          {degradedLines(result.degraded, result.degraded_codes).map((line) => (
            <div key={line}>{line}</div>
          ))}
        </div>
      ) : null}
      <div className="sections-row">
        <section aria-labelledby="sec-performance">
          <h3 id="sec-performance">
            {t("section.performance")}
            <DegradedBadge result={result} />
          </h3>
          <MetricList specs={PERFORMANCE} metrics={metrics} testId="metrics-performance" />
        </section>
        <GatesSection result={result} />
      </div>
      <div className="sections-row">
        <section aria-labelledby="sec-costs">
          <h3 id="sec-costs">
            {t("section.costs")}
            <DegradedBadge result={result} />
          </h3>
          <MetricList specs={COSTS} metrics={metrics} testId="metrics-costs" />
          <p className="muted small" data-testid="costs-legend">{t("polish.costsLegend")}</p>
        </section>
        <section aria-labelledby="sec-exits">
          <h3 id="sec-exits">
            {t("section.exits")}
            <DegradedBadge result={result} />
          </h3>
          <CountList counts={shownExits} labelOf={reasonLabel} testId="metrics-exits" empty="—" />
        </section>
        <section aria-labelledby="sec-signals">
          <h3 id="sec-signals">
            {t("section.signals")}
            <DegradedBadge result={result} />
          </h3>
          <MetricList specs={SIGNALS} metrics={metrics} testId="metrics-signals" />
          <h4>{t("section.rejected")}</h4>
          <CountList counts={result.rejected ?? {}} labelOf={(key) => label("signalReason", key)} testId="metrics-rejected" empty={t("rejected.none")} />
          <h4>{t("section.blocked")}</h4>
          <CountList counts={result.blocked ?? {}} labelOf={(key) => label("risk", key)} testId="metrics-blocked" empty={t("blocked.none")} />
        </section>
      </div>
      {result.risk ? (
        <section aria-labelledby="sec-risk" data-testid="risk-section">
          <h3 id="sec-risk">{t("section.risk")}</h3>
          <p className="muted small" data-testid="breakers-on">
            {result.risk.breakers_on && result.risk.breakers_on.length > 0
              ? t("risk.breakersOn", { breakers: result.risk.breakers_on.map((b) => label("risk", b)).join(", ") })
              : t("risk.noBreakers")}
          </p>
          <RiskUsedView risk={result.risk} />
        </section>
      ) : null}
      {otherSpecs.length > 0 ? (
        <section aria-labelledby="sec-other">
          <h3 id="sec-other">{t("section.other")}</h3>
          <MetricList specs={otherSpecs} metrics={other} testId="metrics-other" />
        </section>
      ) : null}
      <ChartAndTrades result={result} feed={feed} />
      <AnalyticsSection result={result} />
    </>
  );
}

export function DetailsModal({ summary, onClose, onLabelsSaved }: DetailsModalProps) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<BacktestDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    getBacktest(summary.id, controller.signal)
      .then(setDetail)
      .catch((reason: unknown) => {
        if (reason instanceof DOMException && reason.name === "AbortError") return;
        setError(reason instanceof ApiError ? reason.message : String(reason));
      });
    return () => controller.abort();
  }, [summary.id]);

  // The chart's candles and overlays load alongside the result, from what the row knows
  // (a finished run's row holds the period its result covers).
  const done = detail?.status === "done" ? detail.result : null;
  const span: ChartSpan | null = done ?? (summary.status === "done" ? summary : null);
  const feed = useChartFeed(summary.id, span);

  const version = summary.strategy_version ? ` v${summary.strategy_version}` : "";
  const subtitle = `${summary.strategy}${version} · ${summary.pair} · ${summary.timeframe} · ${formatPeriod(summary.start, summary.end)}`;

  let body;
  if (error !== null) body = <Notice kind="error" testId="details-error">{t("err.load", { error })}</Notice>;
  else if (detail === null) body = <p className="muted">{t("modal.loading")}</p>;
  else if (detail.status === "failed") body = <Notice kind="error" testId="details-error">{t("modal.failed", { error: detail.error ?? "—" })}</Notice>;
  else if (detail.status !== "done" || !detail.result) body = <Notice kind="info">{t("modal.notReady", { status: t(`status.${detail.status}`) })}</Notice>;
  else
    body = (
      <>
        <ExportToolbar backtestId={summary.id} result={detail.result} />
        <ProvenanceView result={detail.result} />
        <ResultView result={detail.result} feed={feed} />
      </>
    );

  return (
    <Modal title={t("modal.title")} subtitle={subtitle} closeLabel={t("modal.close")} onClose={onClose} testId="details-modal">
      <LabelsEditor summary={summary} onSaved={(row) => onLabelsSaved?.(row)} />
      {body}
    </Modal>
  );
}
