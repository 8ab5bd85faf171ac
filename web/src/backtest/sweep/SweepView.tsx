/**
 * The Sweep view of the Backtest tab: the new-sweep form, the sweep being looked at
 * (progress, then results) and the stored sweeps. Keeps the list fresh while a sweep
 * is active.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { deleteSweep, listSweeps } from "../../api/client";
import type { BacktestCreate, SweepPublic } from "../../api/types";
import { Notice } from "../../components/Notice";
import { useI18n } from "../../i18n/I18nProvider";
import { messageOf } from "../../lib/errors";
import type { Catalog } from "../useCatalog";
import { SweepDetail, type TrialOrigin } from "./SweepDetail";
import { SweepForm } from "./SweepForm";
import { SweepList } from "./SweepList";
import { isActive } from "./useSweep";

const ACTIVE_REFRESH_MS = 2000;

interface SweepViewProps {
  catalog: Catalog;
  onOpenBacktest: (body: BacktestCreate, origin: TrialOrigin) => void;
}

export function SweepView({ catalog, onOpenBacktest }: SweepViewProps) {
  const { t } = useI18n();
  const [rows, setRows] = useState<SweepPublic[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const request = useRef(0);
  const detailRef = useRef<HTMLDivElement>(null);

  const refresh = useCallback(() => {
    const mine = ++request.current;
    listSweeps()
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

  const hasActive = rows?.some((row) => isActive(row)) ?? false;
  useEffect(() => {
    if (!hasActive) return undefined;
    const timer = window.setInterval(refresh, ACTIVE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [hasActive, refresh]);

  const open = useCallback((id: string) => {
    setSelected(id);
    window.setTimeout(() => detailRef.current?.scrollIntoView({ block: "start", behavior: "smooth" }), 0);
  }, []);

  const remove = (id: string) => {
    setDeleting(true);
    setDeleteError(null);
    deleteSweep(id)
      .then(() => {
        if (selected === id) setSelected(null);
      })
      .catch((error: unknown) => setDeleteError(messageOf(error)))
      .finally(() => {
        setDeleting(false);
        refresh();
      });
  };

  return (
    <div className="tab-panel-inner" data-testid="sweep-view">
      <SweepForm
        catalog={catalog}
        onStarted={(sweep) => {
          refresh();
          open(sweep.id);
        }}
      />
      <div ref={detailRef} className="sweep-detail-anchor">
        {selected !== null ? <SweepDetail id={selected} onClose={() => setSelected(null)} onChanged={refresh} onOpen={onOpenBacktest} /> : null}
      </div>
      {listError !== null ? (
        <Notice kind="error" testId="sweeps-error">
          {t("err.load", { error: listError })}
        </Notice>
      ) : null}
      {deleteError !== null ? (
        <Notice kind="error" testId="sweep-delete-error">
          {t("err.delete", { error: deleteError })}
        </Notice>
      ) : null}
      <SweepList rows={rows} selected={selected} busy={deleting} onRefresh={refresh} onOpen={open} onDelete={remove} />
    </div>
  );
}
