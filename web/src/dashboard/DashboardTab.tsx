/**
 * The Dashboard tab: the trading mode (paper / LIVE, and which live condition is
 * missing) with the kill switch, simulation controls with the "Confirm order
 * execution" checkbox, the pending confirmations, live signals per pair (a row opens
 * the signal's strategy detail panel), the scores of rated signals (histogram and
 * scoreboard), the confluence strategy panel (layers per signal, portfolio heat, breaker
 * log), the market scanner (qualified pairs, "Trade", the auto universe), the
 * latest orders with their status and reason, and the pairs.
 */
import { useCallback, useEffect, useState } from "react";

import { listPairs } from "../api/client";
import type { PairInfo } from "../api/types";
import { useCatalog } from "../backtest/useCatalog";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { useLive } from "../live/LiveProvider";
import { ConfluenceCard } from "./ConfluenceCard";
import { OrdersCard } from "./OrdersCard";
import { PairsCard } from "./PairsCard";
import { PendingCard } from "./PendingCard";
import { ScannerCard } from "./ScannerCard";
import { ScoresCard } from "./ScoresCard";
import { SignalsCard } from "./SignalsCard";
import { SimControls } from "./SimControls";
import { TradingCard } from "./TradingCard";

interface DashboardTabProps {
  onShowPerformance: () => void;
}

export function DashboardTab({ onShowPerformance }: DashboardTabProps) {
  const { t } = useI18n();
  const catalog = useCatalog();
  const { refresh, error: liveError } = useLive();
  const [pairs, setPairs] = useState<PairInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadPairs = useCallback(() => {
    listPairs()
      .then((rows) => {
        setPairs(rows);
        setError(null);
      })
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  useEffect(() => {
    loadPairs();
  }, [loadPairs]);

  const onPairsChange = useCallback(() => {
    loadPairs();
    refresh();
  }, [loadPairs, refresh]);

  return (
    <div className="tab-panel-inner">
      {liveError !== null ? (
        <Notice kind="error" testId="live-error">
          {t("err.load", { error: liveError })}
        </Notice>
      ) : null}
      <TradingCard />
      <div className="dashboard-top">
        <SimControls onShowPerformance={onShowPerformance} />
        <PendingCard />
      </div>
      {error !== null ? (
        <Notice kind="error" testId="pairs-load-error">
          {t("err.load", { error })}
        </Notice>
      ) : null}
      <SignalsCard books={pairs ?? []} />
      <ScoresCard />
      <ConfluenceCard strategies={catalog.strategies ?? []} />
      <ScannerCard strategies={catalog.strategies} pairs={pairs} onPairsChange={onPairsChange} />
      <OrdersCard />
      <PairsCard catalog={catalog} pairs={pairs} onChange={onPairsChange} />
    </div>
  );
}
