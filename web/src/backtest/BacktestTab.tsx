/**
 * The Backtest tab: the run form, the table of stored results and the
 * detailed-statistics modal. Keeps the result list fresh while runs are active.
 * A switch shows the Sweep view instead (mounted on first use, then kept, so a
 * sweep being followed survives a look at the backtests); a sweep's trial opened
 * as a backtest runs here, shown above the form.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, deleteAllBacktests, deleteBacktest, listBacktests } from "../api/client";
import type { BacktestCreate, BacktestSummary } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { BacktestForm } from "./BacktestForm";
import { CompareModal } from "./CompareModal";
import { DetailsModal } from "./DetailsModal";
import { ResultsTable } from "./ResultsTable";
import { OpenedBacktest } from "./sweep/OpenedBacktest";
import type { TrialOrigin } from "./sweep/SweepDetail";
import { SweepView } from "./sweep/SweepView";
import { useBacktestJob } from "./useBacktestJob";
import { useCatalog } from "./useCatalog";

type View = "backtest" | "sweep";

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
  const [comparing, setComparing] = useState<string[] | null>(null);
  const request = useRef(0);
  const catalog = useCatalog();
  const [view, setView] = useState<View>("backtest");
  const [sweepMounted, setSweepMounted] = useState(false);
  const [origin, setOrigin] = useState<TrialOrigin | null>(null);

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

  const opened = useBacktestJob(refresh);
  const show = useCallback((next: View) => {
    setView(next);
    if (next === "sweep") setSweepMounted(true);
  }, []);
  const openAsBacktest = useCallback(
    (body: BacktestCreate, from: TrialOrigin) => {
      setOrigin(from);
      opened.run(body);
      setView("backtest");
      window.scrollTo({ top: 0 });
    },
    [opened.run],
  );
  const openedId = opened.job.phase === "done" ? opened.job.id : null;

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
      <div className="view-switch" role="group" aria-label={t("view.label")}>
        {(["backtest", "sweep"] as const).map((id) => (
          <button
            key={id}
            type="button"
            className={id === view ? "view-button active" : "view-button"}
            aria-pressed={id === view}
            onClick={() => show(id)}
            data-testid={`view-${id}`}
          >
            {t(`view.${id}`)}
          </button>
        ))}
      </div>
      {sweepMounted ? (
        <div hidden={view !== "sweep"}>
          <SweepView catalog={catalog} onOpenBacktest={openAsBacktest} />
        </div>
      ) : null}
      <div className="tab-panel-inner" hidden={view !== "backtest"}>
        {origin !== null ? (
          <OpenedBacktest
            job={opened.job}
            origin={origin}
            row={rows?.find((row) => row.id === openedId)}
            onDetails={setSelected}
            onDismiss={() => setOrigin(null)}
            onBack={() => show("sweep")}
          />
        ) : null}
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
          onCompare={setComparing}
        />
      </div>
      {selected !== null ? <DetailsModal summary={selected} onClose={() => setSelected(null)} onLabelsSaved={refresh} /> : null}
      {comparing !== null ? <CompareModal ids={comparing} onClose={() => setComparing(null)} /> : null}
    </div>
  );
}
