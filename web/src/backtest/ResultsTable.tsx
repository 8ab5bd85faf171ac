/**
 * Stored backtests with their key metrics (a degraded run badged beside them,
 * its substitutions in the tooltip); per row "Detailed statistics" and
 * "Delete result", plus "Delete all" behind a confirmation step.
 */
import { useState } from "react";

import type { BacktestSummary, StrategyInfo } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount, formatNumber, formatParams, formatPercent, formatPeriod, formatSigned, formatSignedPercent } from "../lib/format";
import { TableNoticeRow } from "../components/TableNoticeRow";

interface ResultsTableProps {
  rows: BacktestSummary[] | null;
  strategies: StrategyInfo[];
  onRefresh: () => void;
  onDetails: (row: BacktestSummary) => void;
  onDelete: (row: BacktestSummary) => void;
  onDeleteAll: () => void;
  busy: boolean;
}

/** The params of a row that differ from the strategy's current defaults (all when unknown). */
function changedParams(row: BacktestSummary, strategies: StrategyInfo[]): Record<string, unknown> {
  const info = strategies.find((s) => s.name === row.strategy);
  if (!info) return row.params;
  const defaults = new Map(info.params.map((p) => [p.name, p.default]));
  return Object.fromEntries(Object.entries(row.params).filter(([name, value]) => defaults.get(name) !== value));
}

function pnlClass(value: number | null | undefined): string {
  if (typeof value !== "number" || value === 0) return "num";
  return value > 0 ? "num pos" : "num neg";
}

export function ResultsTable({ rows, strategies, onRefresh, onDetails, onDelete, onDeleteAll, busy }: ResultsTableProps) {
  const { t, locale } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const count = rows?.length ?? 0;

  return (
    <section className="card" aria-labelledby="results-title">
      <div className="card-head">
        <h2 id="results-title">
          {t("results.title")} <span className="muted small">{rows ? t("results.count", { n: count }) : ""}</span>
        </h2>
        <div className="toolbar">
          <button type="button" className="btn" onClick={onRefresh} data-testid="refresh-results">
            {t("results.refresh")}
          </button>
          {!confirming ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy || count === 0}
              onClick={() => setConfirming(true)}
              data-testid="delete-all"
            >
              {t("btn.deleteAll")}
            </button>
          ) : null}
        </div>
      </div>

      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label={t("btn.deleteAll")} data-testid="confirm-delete-all">
          <span>{t("confirm.deleteAll", { n: count })}</span>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              setConfirming(false);
              onDeleteAll();
            }}
            data-testid="confirm-delete-all-yes"
          >
            {t("btn.confirmDeleteAll")}
          </button>
          <button type="button" className="btn" onClick={() => setConfirming(false)} autoFocus>
            {t("btn.cancel")}
          </button>
        </div>
      ) : null}

      <div className="table-scroll">
        <table className="table" data-testid="results-table">
          <thead>
            <tr>
              <th scope="col">{t("col.strategy")}</th>
              <th scope="col">{t("col.timeframe")}</th>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("col.period")}</th>
              <th scope="col">{t("col.params")}</th>
              <th scope="col" className="num">{t("col.trades")}</th>
              <th scope="col" className="num">{t("col.winRate")}</th>
              <th scope="col" className="num">{t("col.netPnl")}</th>
              <th scope="col" className="num">{t("col.return")}</th>
              <th scope="col" className="num">{t("col.maxDd")}</th>
              <th scope="col" className="num">{t("col.pf")}</th>
              <th scope="col">{t("col.status")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows === null ? (
              <TableNoticeRow colSpan={13} text={t("results.loading")} />
            ) : rows.length === 0 ? (
              <TableNoticeRow colSpan={13} text={t("results.empty")} emptyTestId="results-empty" />
            ) : (
              rows.map((row) => {
                const params = formatParams(changedParams(row, strategies));
                const allParams = formatParams(row.params);
                const finished = row.status === "done" || row.status === "failed";
                const m = row.metrics;
                return (
                  <tr key={row.id} data-testid="result-row" data-id={row.id} data-status={row.status}>
                    <td>
                      <span className="strong">{row.strategy}</span>
                      {row.strategy_version ? <span className="muted small"> v{row.strategy_version}</span> : null}
                    </td>
                    <td>{row.timeframe}</td>
                    <td>{row.pair}</td>
                    <td className="nowrap" title={`[${row.start}, ${row.end})`}>
                      {formatPeriod(row.start, row.end)}
                    </td>
                    <td className="params-cell" title={allParams}>
                      {params || <span className="muted">{t("params.defaults")}</span>}
                    </td>
                    <td className="num" data-col="trades">{formatCount(m?.trades, locale)}</td>
                    <td className="num" data-col="win_rate">{formatPercent(m?.win_rate, locale, 1)}</td>
                    <td className={pnlClass(m?.net_pnl)} data-col="net_pnl">{formatSigned(m?.net_pnl, locale)}</td>
                    <td className={pnlClass(m?.return_pct)} data-col="return_pct">{formatSignedPercent(m?.return_pct, locale)}</td>
                    <td className="num" data-col="max_drawdown_pct">{formatPercent(m?.max_drawdown_pct, locale)}</td>
                    <td className="num" data-col="profit_factor">{formatNumber(m?.profit_factor, locale)}</td>
                    <td>
                      <span className={`badge badge-${row.status}`} title={row.error ?? undefined}>
                        {t(`status.${row.status}`)}
                        {row.status === "running" ? ` ${Math.round((row.progress ?? 0) * 100)} %` : ""}
                      </span>
                      {row.degraded.length > 0 ? (
                        <span className="badge badge-degraded" data-testid="degraded-row-badge" title={row.degraded.join("\n")}>
                          {t("results.degraded")}
                        </span>
                      ) : null}
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!finished}
                        onClick={() => onDetails(row)}
                        data-testid="details-button"
                      >
                        {t("btn.details")}
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-danger-ghost"
                        disabled={busy}
                        onClick={() => onDelete(row)}
                        data-testid="delete-button"
                      >
                        {t("btn.delete")}
                      </button>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
