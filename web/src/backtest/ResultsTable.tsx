/**
 * Stored backtests with their run date, key metrics and the user's tags and notes (a
 * degraded run badged beside them, its substitutions in the tooltip). Sortable by a
 * click on a header (again: the other way round), filtered by text and by tag; rows
 * ticked for "Compare"; per row "Detailed statistics" and "Delete result" (asked
 * first), plus "Delete all" behind a confirmation step.
 */
import { useMemo, useState } from "react";

import type { BacktestSummary, StrategyInfo } from "../api/types";
import { TableNoticeRow } from "../components/TableNoticeRow";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { formatDay, formatParams, formatPeriod, formatTime } from "../lib/format";
import { useDegradedLines } from "../lib/reasons";
import { ConfirmDelete } from "./ConfirmDelete";
import { ResultsFilter } from "./ResultsFilter";
import { formatMetric as formatKeyMetric } from "./sweep/format";
import { DEFAULT_SORT, MAX_COMPARED, METRIC_COLUMNS, filterResults, nextSort, runName, sortResults, type ResultSort, type ResultSortKey } from "./resultsView";

interface ResultsTableProps {
  rows: BacktestSummary[] | null;
  strategies: StrategyInfo[];
  onRefresh: () => void;
  onDetails: (row: BacktestSummary) => void;
  onDelete: (row: BacktestSummary) => void;
  onDeleteAll: () => void;
  onCompare: (ids: string[]) => void;
  busy: boolean;
}

const COLUMNS = 15;

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

/** A run's tags as small chips (nothing when it has none). */
export function TagChips({ tags, className, testId }: { tags: string[]; className: string; testId?: string }) {
  if (tags.length === 0) return null;
  return (
    <div className={className} data-testid={testId}>
      {tags.map((tag) => (
        <span key={tag} className="chip chip-small">
          {tag}
        </span>
      ))}
    </div>
  );
}

export function ResultsTable({ rows, strategies, onRefresh, onDetails, onDelete, onDeleteAll, onCompare, busy }: ResultsTableProps) {
  const { t, locale } = useI18n();
  const degradedLines = useDegradedLines();
  const [confirming, setConfirming] = useState(false);
  const [pendingDelete, setPendingDelete] = useState<BacktestSummary | null>(null);
  const [sort, setSort] = useState<ResultSort>(DEFAULT_SORT);
  const [text, setText] = useState("");
  const [tag, setTag] = useState<string | null>(null);
  const [ticked, setTicked] = useState<string[]>([]);
  const count = rows?.length ?? 0;
  const shown = useMemo(() => (rows === null ? null : sortResults(filterResults(rows, text, tag), sort)), [rows, text, tag, sort]);
  const done = new Set((rows ?? []).filter((row) => row.status === "done").map((row) => row.id));
  const selected = ticked.filter((id) => done.has(id));

  const header = (key: ResultSortKey, label: MessageKey, numeric = false) => {
    const active = sort.key === key;
    return (
      <th key={key} scope="col" className={numeric ? "num" : undefined} aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"} data-sort={key}>
        <button type="button" className={active ? "sort-button active" : "sort-button"} onClick={() => setSort(nextSort(sort, key))} title={t("results.sortBy", { column: t(label) })}>
          {t(label)}
          <span className="sort-mark" aria-hidden="true">
            {active ? (sort.desc ? " ▼" : " ▲") : ""}
          </span>
        </button>
      </th>
    );
  };

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
            <button type="button" className="btn btn-danger" disabled={busy || count === 0} onClick={() => setConfirming(true)} data-testid="delete-all">
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

      <ResultsFilter
        rows={rows ?? []}
        shown={shown?.length ?? 0}
        text={text}
        tag={tag}
        selected={selected.length}
        onText={setText}
        onTag={setTag}
        onCompare={() => onCompare(selected)}
        onClearSelection={() => setTicked([])}
      />

      <div className="table-scroll">
        <table className="table results-table" data-testid="results-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">{t("col.select")}</span>
              </th>
              {header("created_at", "col.runDate")}
              {header("strategy", "col.strategy")}
              {header("timeframe", "col.timeframe")}
              {header("pair", "col.pair")}
              <th scope="col">{t("col.period")}</th>
              {METRIC_COLUMNS.map((column) => header(column.key, column.label, true))}
              <th scope="col">{t("col.status")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {shown === null ? (
              <TableNoticeRow colSpan={COLUMNS} text={t("results.loading")} />
            ) : count === 0 ? (
              <TableNoticeRow colSpan={COLUMNS} text={t("results.empty")} emptyTestId="results-empty" />
            ) : shown.length === 0 ? (
              <TableNoticeRow colSpan={COLUMNS} text={t("results.noMatch")} emptyTestId="results-no-match" />
            ) : (
              shown.map((row) => {
                const params = formatParams(changedParams(row, strategies));
                const finished = row.status === "done" || row.status === "failed";
                const isTicked = selected.includes(row.id);
                const m = row.metrics;
                return (
                  <tr key={row.id} className={isTicked ? "row-selected" : undefined} data-testid="result-row" data-id={row.id} data-status={row.status}>
                    <td>
                      <input
                        type="checkbox"
                        checked={isTicked}
                        disabled={row.status !== "done" || (!isTicked && selected.length >= MAX_COMPARED)}
                        onChange={() => setTicked(isTicked ? selected.filter((id) => id !== row.id) : [...selected, row.id])}
                        aria-label={t("results.selectRow", { name: `${runName(row)} ${formatTime(row.created_at)}` })}
                        data-testid="select-result"
                      />
                    </td>
                    <td className="run-date" data-col="created_at" title={formatTime(row.created_at)}>
                      {formatDay(row.created_at)}
                      <div className="muted small">{formatTime(row.created_at).slice(11)}</div>
                    </td>
                    <td className="strategy-cell">
                      <span className="strong">{row.strategy}</span>
                      {row.strategy_version ? <span className="muted small"> v{row.strategy_version}</span> : null}
                      <div className="params-cell" title={formatParams(row.params)}>
                        {params || t("params.defaults")}
                      </div>
                      <TagChips tags={row.tags ?? []} className="row-tags" testId="row-tags" />
                      {row.notes ? (
                        <div className="row-notes muted small" title={row.notes} data-testid="row-notes">
                          <span className="visually-hidden">{t("results.notes")}: </span>
                          {row.notes}
                        </div>
                      ) : null}
                    </td>
                    <td>{row.timeframe}</td>
                    <td>{row.pair}</td>
                    <td className="period-cell" title={`[${row.start}, ${row.end})`}>
                      {formatPeriod(row.start, row.end)}
                    </td>
                    {METRIC_COLUMNS.map(({ key }) => (
                      <td key={key} className={key === "net_pnl" || key === "return_pct" ? pnlClass(m?.[key]) : "num"} data-col={key}>
                        {formatKeyMetric(key, m?.[key], locale)}
                      </td>
                    ))}
                    <td>
                      <span className={`badge badge-${row.status}`} title={row.error ?? undefined}>
                        {t(`status.${row.status}`)}
                        {row.status === "running" ? ` ${Math.round((row.progress ?? 0) * 100)} %` : ""}
                      </span>
                      {row.degraded.length > 0 ? (
                        <span className="badge badge-degraded" data-testid="degraded-row-badge" title={degradedLines(row.degraded, row.degraded_codes).join("\n")}>
                          {t("results.degraded")}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <div className="actions actions-stacked">
                        <button type="button" className="btn btn-small" disabled={!finished} onClick={() => onDetails(row)} data-testid="details-button">
                          {t("btn.details")}
                        </button>
                        <button type="button" className="btn btn-small btn-danger-ghost" disabled={busy} onClick={() => setPendingDelete(row)} data-testid="delete-button">
                          {t("btn.delete")}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
      {pendingDelete !== null ? (
        <ConfirmDelete
          row={pendingDelete}
          onCancel={() => setPendingDelete(null)}
          onConfirm={() => {
            setPendingDelete(null);
            setTicked(selected.filter((id) => id !== pendingDelete.id));
            onDelete(pendingDelete);
          }}
        />
      ) : null}
    </section>
  );
}
