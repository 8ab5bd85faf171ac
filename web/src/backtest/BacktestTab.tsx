/**
 * The Backtest tab: the run form, the table of stored results and the
 * detailed-statistics modal. Keeps the result list fresh while runs are active.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, deleteAllBacktests, deleteBacktest, listBacktests } from "../api/client";
import type { BacktestSummary } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { BacktestForm } from "./BacktestForm";
import { DetailsModal } from "./DetailsModal";
import { ResultsTable } from "./ResultsTable";
import { useCatalog } from "./useCatalog";

const ACTIVE_REFRESH_MS = 1500;

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

export function BacktestTab() {
  const { t } = useI18n();
  const [rows, setRows] = useState<BacktestSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [selected, setSelected] = useState<BacktestSummary | null>(null);
  const request = useRef(0);
  const catalog = useCatalog();

  const refresh = useCallback(() => {
    const mine = ++request.current;
    listBacktests()
      .then((list) => {
        if (mine !== request.current) return;
        setRows(list);
        setListError(null);
      })
      .catch((error: unknown) => {
        if (mine === request.current) setListError(messageOf(error));
      });
  }, []);

  useEffect(() => {
    refresh();
  }, [refresh]);

  const hasActive = rows?.some((row) => row.status === "queued" || row.status === "running") ?? false;
  useEffect(() => {
    if (!hasActive) return undefined;
    const timer = window.setInterval(refresh, ACTIVE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [hasActive, refresh]);

  const runDeletion = useCallback(
    (action: () => Promise<unknown>) => {
      setDeleting(true);
      setActionError(null);
      action()
        .catch((error: unknown) => setActionError(messageOf(error)))
        .finally(() => {
          setDeleting(false);
          refresh();
        });
    },
    [refresh],
  );

  return (
    <div className="tab-panel-inner">
      <BacktestForm catalog={catalog} onJobChange={refresh} />
      {listError !== null ? (
        <Notice kind="error" testId="results-error">
          {t("err.load", { error: listError })}
        </Notice>
      ) : null}
      {actionError !== null ? (
        <Notice kind="error" testId="delete-error">
          {t("err.delete", { error: actionError })}
        </Notice>
      ) : null}
      <ResultsTable
        rows={rows}
        strategies={catalog.strategies ?? []}
        busy={deleting}
        onRefresh={refresh}
        onDetails={setSelected}
        onDelete={(row) => runDeletion(() => deleteBacktest(row.id))}
        onDeleteAll={() => runDeletion(deleteAllBacktests)}
      />
      {selected !== null ? <DetailsModal summary={selected} onClose={() => setSelected(null)} /> : null}
    </div>
  );
}
