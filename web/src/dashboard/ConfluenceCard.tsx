/**
 * The confluence strategy panel (the 15m confluence engine, seed 002, and any strategy whose
 * signals carry its layer breakdown): for the chosen strategy, its latest signals with the
 * five layers at a glance (present or missing) and, for the selected one, each layer's
 * score, agreement, freshness and why a missing one is missing (`LayerBreakdown`; "Details"
 * opens the full strategy detail panel); the portfolio heat against the strategy's cap
 * (`HeatGauge`, `GET /simulation/heat?strategy=`); and its breaker log — the circuit
 * breakers' blocks of that strategy (`GET /simulation/risk-events?strategy=`). Heat and log
 * refresh shortly after a new signal or an engine change (at most once per `REFRESH_MS`).
 */
import { useEffect, useRef, useState } from "react";

import { getHeat, listRiskEvents } from "../api/client";
import type { Heat, RiskEvent, SimSignal, StrategyInfo } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { isAbort, messageOf } from "../lib/errors";
import { formatNumber, formatTime } from "../lib/format";
import { SideBadge, StatusBadge, useLabel } from "../live/labels";
import { useLive } from "../live/LiveProvider";
import { RiskEventsTable } from "../simulation/RiskEventsCard";
import { confluenceLayers, isConfluence } from "./confluence";
import { HeatGauge } from "./HeatGauge";
import { LayerBreakdown } from "./LayerBreakdown";
import { SignalDetail } from "./SignalDetail";
import { effectiveStatus } from "./SignalsCard";

/** Signals listed for the chosen strategy. */
export const CONFLUENCE_SIGNALS = 8;
/** Rows of the breaker log. */
export const BREAKER_LOG = 50;
/** The seed's plugin, chosen first when it is installed. */
export const DEFAULT_STRATEGY = "confluence_15m";
/** Least time between two refreshes of the heat and the breaker log. */
const REFRESH_MS = 1000;

function LayerChips({ signal }: { signal: SimSignal }) {
  const label = useLabel();
  return (
    <span className="layer-chips">
      {confluenceLayers(signal).map((layer) => (
        <span
          key={layer.name}
          className={layer.missing ? "layer-chip layer-chip-missing" : "layer-chip"}
          data-testid="layer-chip"
          data-layer={layer.name}
          data-missing={layer.missing}
          title={label("confluenceLayer", layer.name)}
        >
          {label("confluenceShort", layer.name)}
        </span>
      ))}
    </span>
  );
}

export function ConfluenceCard({ strategies }: { strategies: StrategyInfo[] }) {
  const { t, locale } = useI18n();
  const { signals, revision, orderStatus } = useLive();
  const [chosen, setChosen] = useState("");
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [detail, setDetail] = useState<SimSignal | null>(null);
  const [heat, setHeat] = useState<Heat | null>(null);
  const [events, setEvents] = useState<RiskEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const timer = useRef<number | null>(null);

  const confluence = signals.filter((signal) => isConfluence(signal.breakdown));
  const installed = strategies.some((info) => info.name === DEFAULT_STRATEGY);
  const names = [...new Set([...confluence.map((s) => s.strategy), ...(installed ? [DEFAULT_STRATEGY] : [])])].sort();
  const strategy = chosen && names.includes(chosen) ? chosen : names.includes(DEFAULT_STRATEGY) ? DEFAULT_STRATEGY : (names[0] ?? "");
  const mine = confluence.filter((signal) => signal.strategy === strategy).slice(0, CONFLUENCE_SIGNALS);
  const selected = mine.find((signal) => signal.id === selectedId) ?? mine[0] ?? null;
  const shownDetail = detail === null ? null : (signals.find((s) => s.id === detail.id) ?? detail);
  const newest = mine.reduce((max, signal) => Math.max(max, signal.id), 0);

  useEffect(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      setTick((n) => n + 1);
    }, REFRESH_MS);
  }, [newest, revision]);

  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );

  useEffect(() => {
    if (!strategy) return undefined;
    const controller = new AbortController();
    Promise.all([getHeat(strategy, controller.signal), listRiskEvents(BREAKER_LOG, controller.signal, strategy)])
      .then(([nextHeat, nextEvents]) => {
        setHeat(nextHeat);
        setEvents(nextEvents);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setError(messageOf(reason));
      });
    return () => controller.abort();
  }, [tick, strategy]);

  return (
    <section className="card" aria-labelledby="confluence-title" data-testid="confluence-card" data-strategy={strategy}>
      <div className="card-head">
        <h2 id="confluence-title">
          {t("confluence.title")} <span className="muted small">{t("confluence.hint")}</span>
        </h2>
        {names.length > 0 ? (
          <label className="inline-field">
            <span>{t("confluence.strategy")}</span>
            <select value={strategy} onChange={(event) => setChosen(event.target.value)} data-testid="confluence-strategy">
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {error !== null ? (
        <Notice kind="error" testId="confluence-error">
          {t("err.load", { error })}
        </Notice>
      ) : null}
      {strategy === "" ? (
        <p className="muted" data-testid="confluence-empty">
          {t("confluence.none")}
        </p>
      ) : (
        <div className="confluence-grid">
          <section className="confluence-signals" aria-labelledby="confluence-signals-title">
            <h3 id="confluence-signals-title">{t("confluence.signals")}</h3>
            {mine.length === 0 ? (
              <p className="muted" data-testid="confluence-no-signals">
                {t("confluence.noSignals", { strategy })}
              </p>
            ) : (
              <>
                <div className="table-scroll">
                  <table className="table table-compact" data-testid="confluence-signals">
                    <thead>
                      <tr>
                        <th scope="col">{t("signal.time")}</th>
                        <th scope="col">{t("col.pair")}</th>
                        <th scope="col">{t("trade.side")}</th>
                        <th scope="col" className="num">
                          {t("signal.score")}
                        </th>
                        <th scope="col">{t("signal.tier")}</th>
                        <th scope="col">{t("confluence.layers")}</th>
                        <th scope="col">{t("col.status")}</th>
                        <th scope="col">
                          <span className="visually-hidden">{t("confluence.details")}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {mine.map((signal) => {
                        const status = effectiveStatus(signal, orderStatus);
                        const isSelected = selected !== null && signal.id === selected.id;
                        return (
                          <tr
                            key={signal.id}
                            data-testid="confluence-signal"
                            data-signal-id={signal.id}
                            data-selected={isSelected}
                            className={isSelected ? "row-clickable row-selected" : "row-clickable"}
                            aria-selected={isSelected}
                            onClick={() => setSelectedId(signal.id)}
                          >
                            <td className="nowrap">{formatTime(signal.time)}</td>
                            <td className="strong">{signal.symbol}</td>
                            <td>
                              <SideBadge side={signal.side} />
                            </td>
                            <td className="num" data-col="score">
                              {formatNumber(signal.score ?? signal.confidence, locale, 0)}
                            </td>
                            <td data-col="tier">{signal.tier ?? "—"}</td>
                            <td>
                              <LayerChips signal={signal} />
                            </td>
                            <td>
                              <StatusBadge status={status} prefix="signalStatus" />
                            </td>
                            <td>
                              <button
                                type="button"
                                className="link-button"
                                data-testid="confluence-details"
                                onClick={(event) => {
                                  event.stopPropagation();
                                  setDetail(signal);
                                }}
                              >
                                {t("confluence.details")}
                              </button>
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                {selected !== null ? (
                  <section aria-labelledby="confluence-layers-title">
                    <h3 id="confluence-layers-title">
                      {t("confluence.layersOf", { symbol: selected.symbol, time: formatTime(selected.time) })}
                    </h3>
                    <LayerBreakdown signal={selected} />
                  </section>
                ) : null}
              </>
            )}
          </section>
          <section className="confluence-heat" aria-labelledby="confluence-heat-title">
            <h3 id="confluence-heat-title">{t("heat.title")}</h3>
            {heat === null ? <p className="muted">{t("sim.loading")}</p> : <HeatGauge heat={heat} />}
          </section>
          <section className="confluence-breakers" aria-labelledby="confluence-breakers-title">
            <h3 id="confluence-breakers-title">
              {t("confluence.breakerLog")}{" "}
              <span className="muted small">{events ? t("riskEvents.count", { n: events.length }) : ""}</span>
            </h3>
            {events === null ? (
              <p className="muted">{t("sim.loading")}</p>
            ) : events.length === 0 ? (
              <p className="muted" data-testid="breaker-log-empty">
                {t("confluence.noBreaks", { strategy })}
              </p>
            ) : (
              <RiskEventsTable events={events} testId="breaker-log" />
            )}
          </section>
        </div>
      )}
      {shownDetail !== null ? (
        <SignalDetail
          signal={shownDetail}
          status={effectiveStatus(shownDetail, orderStatus)}
          onClose={() => setDetail(null)}
        />
      ) : null}
    </section>
  );
}
