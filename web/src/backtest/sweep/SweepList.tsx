/**
 * Stored sweeps, newest first: id, strategy, pair, range, objective, status and when it
 * was made; a row opens its sweep, "Delete" asks first (an active sweep cannot be deleted:
 * cancel it first).
 */
import { useState } from "react";

import type { SweepPublic } from "../../api/types";
import { TableNoticeRow } from "../../components/TableNoticeRow";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { formatPeriod, formatTime } from "../../lib/format";
import { isActive } from "./useSweep";

interface SweepListProps {
  rows: SweepPublic[] | null;
  selected: string | null;
  busy: boolean;
  onRefresh: () => void;
  onOpen: (id: string) => void;
  onDelete: (id: string) => void;
}

export function SweepList({ rows, selected, busy, onRefresh, onOpen, onDelete }: SweepListProps) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState<string | null>(null);
  const columns = 8;
  return (
    <section className="card" aria-labelledby="sweeps-title">
      <div className="card-head">
        <h2 id="sweeps-title">
          {t("sweep.listTitle")} <span className="muted small">{rows ? t("sweep.listCount", { n: rows.length }) : ""}</span>
        </h2>
        <div className="toolbar">
          <button type="button" className="btn" onClick={onRefresh} data-testid="refresh-sweeps">
            {t("results.refresh")}
          </button>
        </div>
      </div>
      <div className="table-scroll">
        <table className="table" data-testid="sweeps-table">
          <thead>
            <tr>
              <th scope="col">{t("sweep.col.id")}</th>
              <th scope="col">{t("col.strategy")}</th>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("col.period")}</th>
              <th scope="col">{t("sweep.col.objective")}</th>
              <th scope="col">{t("col.status")}</th>
              <th scope="col">{t("sweep.col.created")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows === null ? (
              <TableNoticeRow colSpan={columns} text={t("sweep.listLoading")} />
            ) : rows.length === 0 ? (
              <TableNoticeRow colSpan={columns} text={t("sweep.listEmpty")} emptyTestId="sweeps-empty" />
            ) : (
              rows.map((row) => (
                <tr
                  key={row.id}
                  className={row.id === selected ? "row-selected" : undefined}
                  data-testid="sweep-row"
                  data-id={row.id}
                  data-status={row.status}
                >
                  <td className="mono small">{row.id}</td>
                  <td>
                    <span className="strong">{row.strategy}</span> <span className="muted small">{row.timeframe}</span>
                  </td>
                  <td>{row.pair}</td>
                  <td className="nowrap">{formatPeriod(row.start, row.end)}</td>
                  <td>{t(`metric.${row.objective}` as MessageKey)}</td>
                  <td>
                    <span className={`badge badge-${row.status}`} title={row.error ?? undefined}>
                      {t(`sweepStatus.${row.status}`)}
                      {row.status === "running" ? ` ${Math.round((row.progress ?? 0) * 100)} %` : ""}
                    </span>
                  </td>
                  <td className="nowrap">{formatTime(row.created_at)}</td>
                  <td>
                    {confirming === row.id ? (
                      <div className="actions confirm-inline" role="alertdialog" aria-label={t("sweep.delete")} data-testid="confirm-delete-sweep">
                        <span>{t("sweep.confirmDelete")}</span>
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          onClick={() => {
                            setConfirming(null);
                            onDelete(row.id);
                          }}
                          data-testid="confirm-delete-sweep-yes"
                        >
                          {t("sweep.deleteYes")}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setConfirming(null)} autoFocus>
                          {t("btn.cancel")}
                        </button>
                      </div>
                    ) : (
                      <div className="actions">
                        <button type="button" className="btn btn-small" onClick={() => onOpen(row.id)} data-testid="open-sweep">
                          {t("sweep.open")}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-danger-ghost"
                          disabled={busy || isActive(row)}
                          title={isActive(row) ? t("sweep.deleteActive") : undefined}
                          onClick={() => setConfirming(row.id)}
                          data-testid="delete-sweep"
                        >
                          {t("sweep.delete")}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
