/**
 * The Simulation tab: replay controls and the live price chart with the equity
 * curve, portfolio overview, open positions (close one),
 * performance metrics, trade history, simulation and risk settings, and the
 * risk gate's events. Data is re-read whenever the live state changes.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { getPerformance, getPortfolio, listPositions, listRiskEvents, listSimTrades } from "../api/client";
import type { Portfolio, Position, RiskEvent, SimTrade } from "../api/types";
import { TradesTable } from "../backtest/DetailsModal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { useLive } from "../live/LiveProvider";
import { PerformanceCard } from "./PerformanceCard";
import { PortfolioCard } from "./PortfolioCard";
import { PositionsCard } from "./PositionsCard";
import { ReplayCard } from "./ReplayCard";
import { RiskEventsCard } from "./RiskEventsCard";
import { RiskSettingsCard, SimSettingsCard } from "./SettingsCard";
import { SimulationChart } from "./SimulationChart";

/** Trades and risk events loaded (newest first). */
const HISTORY_LIMIT = 500;

interface SimData {
  portfolio: Portfolio | null;
  positions: Position[] | null;
  trades: SimTrade[] | null;
  performance: Record<string, unknown> | null;
  riskEvents: RiskEvent[] | null;
}

const EMPTY: SimData = { portfolio: null, positions: null, trades: null, performance: null, riskEvents: null };

export function SimulationTab() {
  const { t } = useI18n();
  const { revision, settings, status, refresh: refreshLive } = useLive();
  const [data, setData] = useState<SimData>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(() => {
    const mine = ++request.current;
    Promise.all([getPortfolio(), listPositions(), listSimTrades(HISTORY_LIMIT), getPerformance(), listRiskEvents(HISTORY_LIMIT)])
      .then(([portfolio, positions, trades, performance, riskEvents]) => {
        if (mine !== request.current) return;
        setData({ portfolio, positions, trades, performance, riskEvents });
        setError(null);
      })
      .catch((reason: unknown) => {
        if (mine === request.current) setError(messageOf(reason));
      });
  }, []);

  useEffect(() => {
    load();
  }, [load, revision]);

  const trades = data.trades;
  return (
    <div className="tab-panel-inner">
      {error !== null ? (
        <Notice kind="error" testId="sim-load-error">
          {t("err.load", { error })}
        </Notice>
      ) : null}
      <ReplayCard />
      <SimulationChart pairs={status?.pairs ?? []} trades={data.trades} positions={data.positions} revision={revision} />
      <PortfolioCard portfolio={data.portfolio} />
      <PositionsCard positions={data.positions} onChange={refreshLive} />
      <PerformanceCard metrics={data.performance} />
      <section className="card" aria-labelledby="history-title" data-testid="trade-history">
        <h2 id="history-title">
          {t("history.title")} <span className="muted small">{trades ? t("history.count", { n: trades.length }) : ""}</span>
        </h2>
        {trades === null ? <p className="muted">{t("sim.loading")}</p> : <TradesTable trades={trades} showPair />}
      </section>
      <div className="settings-row">
        <SimSettingsCard settings={settings} />
        <RiskSettingsCard risk={settings?.risk ?? null} />
      </div>
      <RiskEventsCard events={data.riskEvents} />
    </div>
  );
}
