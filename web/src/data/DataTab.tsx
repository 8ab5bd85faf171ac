/**
 * The Data tab: what is stored (candles per symbol and timeframe with their holes,
 * funding coverage, recorded market-data days), downloads from Binance with their
 * progress, integrity checks and range deletion.
 */
import { useCallback, useEffect, useState } from "react";

import { checkIntegrity, getCoverage } from "../api/client";
import type { CandlesDeleted, IntegrityCheck, SymbolCoverage, TimeframeCoverage } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { isAbort, messageOf } from "../lib/errors";
import { formatCount } from "../lib/format";
import { CheckModal } from "./CheckModal";
import { CoverageTable } from "./CoverageTable";
import { DeleteModal } from "./DeleteModal";
import { DownloadForm } from "./DownloadForm";
import { MarketDays } from "./MarketDays";

interface Checking {
  symbol: string;
  timeframe: string;
  report: IntegrityCheck | null;
  error: string | null;
}

export function DataTab() {
  const { t, locale } = useI18n();
  const [coverage, setCoverage] = useState<SymbolCoverage[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [checking, setChecking] = useState<Checking | null>(null);
  const [deleting, setDeleting] = useState<{ symbol: string; row: TimeframeCoverage } | null>(null);
  const [deleted, setDeleted] = useState<CandlesDeleted | null>(null);
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((value) => value + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    getCoverage(controller.signal)
      .then((rows) => {
        setCoverage(rows);
        setLoadError(null);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setLoadError(messageOf(reason));
      });
    return () => controller.abort();
  }, [round]);

  function check(symbol: string, timeframe: string) {
    setChecking({ symbol, timeframe, report: null, error: null });
    checkIntegrity(symbol, timeframe)
      .then((report) => setChecking((current) => (current?.symbol === symbol && current.timeframe === timeframe ? { ...current, report } : current)))
      .catch((reason: unknown) =>
        setChecking((current) => (current?.symbol === symbol && current.timeframe === timeframe ? { ...current, error: messageOf(reason) } : current)),
      );
  }

  const symbols = (coverage ?? []).map((entry) => entry.symbol);
  return (
    <div className="data-tab" data-testid="data-tab">
      <section className="card" aria-labelledby="coverage-title">
        <div className="card-head">
          <h2 id="coverage-title">{t("data.coverageTitle")}</h2>
          <button type="button" className="btn btn-small" onClick={reload} data-testid="coverage-reload">
            {t("data.reload")}
          </button>
        </div>
        {loadError !== null ? <Notice kind="error">{t("data.loadFailed", { error: loadError })}</Notice> : null}
        {deleted !== null ? (
          <Notice kind="success" testId="delete-done">
            {t("data.deleted", { n: formatCount(deleted.deleted, locale), symbol: deleted.symbol, timeframe: deleted.timeframe, remaining: formatCount(deleted.remaining, locale) })}
          </Notice>
        ) : null}
        <CoverageTable coverage={coverage} onCheck={check} onDelete={(symbol, row) => setDeleting({ symbol, row })} />
      </section>
      <section className="card" aria-labelledby="download-title">
        <h2 id="download-title">{t("data.downloadTitle")}</h2>
        <p className="muted small">{t("data.downloadHint")}</p>
        <DownloadForm symbols={symbols} onEnded={reload} />
      </section>
      <section className="card" aria-labelledby="market-title">
        <h2 id="market-title">{t("data.marketTitle")}</h2>
        {coverage === null ? <p className="muted">{t("sim.loading")}</p> : <MarketDays coverage={coverage} />}
      </section>
      {checking !== null ? (
        <CheckModal symbol={checking.symbol} timeframe={checking.timeframe} report={checking.report} error={checking.error} onClose={() => setChecking(null)} />
      ) : null}
      {deleting !== null ? (
        <DeleteModal
          symbol={deleting.symbol}
          row={deleting.row}
          onClose={() => setDeleting(null)}
          onDeleted={(result) => {
            setDeleting(null);
            setDeleted(result);
            reload();
          }}
        />
      ) : null}
    </div>
  );
}
