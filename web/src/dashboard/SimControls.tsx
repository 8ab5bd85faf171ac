/**
 * Simulation controls: engine state, replay speed and progress per pair, with
 * Start, Stop and Reset (reset asks first: it clears the paper portfolio).
 */
import { useState } from "react";

import { resetSimulation, startSimulation, stopSimulation } from "../api/client";
import { Notice } from "../components/Notice";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatCount, formatNumber, formatTime } from "../lib/format";
import { ConfirmToggle } from "../live/ConfirmToggle";
import { StatusBadge } from "../live/labels";
import { useLive } from "../live/LiveProvider";

interface SimControlsProps {
  onShowPerformance: () => void;
}

export function SimControls({ onShowPerformance }: SimControlsProps) {
  const { t, locale } = useI18n();
  const { status, setStatus, refresh } = useLive();
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const running = status?.state === "running";

  function run(action: () => Promise<unknown>, doneMessage: string | null) {
    setBusy(true);
    setError(null);
    setDone(null);
    action()
      .then((answer) => {
        if (answer !== null && typeof answer === "object" && "state" in answer && "pairs" in answer) {
          setStatus(answer as Parameters<typeof setStatus>[0]);
        }
        setDone(doneMessage);
      })
      .catch((reason: unknown) => setError(t("sim.actionError", { error: messageOf(reason) })))
      .finally(() => {
        setBusy(false);
        refresh();
      });
  }

  return (
    <section className="card" aria-labelledby="sim-controls-title" data-testid="sim-controls">
      <div className="card-head">
        <h2 id="sim-controls-title">{t("sim.controls")}</h2>
        {status ? <StatusBadge status={status.state} prefix="engineState" /> : null}
      </div>
      <ConfirmToggle id="confirm-orders" />
      <dl className="metrics status-list" data-testid="sim-status">
        <div className="metric" data-field="mode">
          <dt>{t("sim.mode")}</dt>
          <dd>{status ? t(status.mode === "simulation" ? "sim.modeSimulation" : "sim.modeLive") : "—"}</dd>
        </div>
        <div className="metric" data-field="speed">
          <dt>{t("sim.speed")}</dt>
          <dd>{status?.speed ? `${formatNumber(status.speed, locale, 0)}×` : status?.feed ? t("sim.speedMax") : "—"}</dd>
        </div>
        <div className="metric" data-field="candles">
          <dt>{t("sim.candles")}</dt>
          <dd>{formatCount(status?.candles_processed, locale)}</dd>
        </div>
        <div className="metric" data-field="replay">
          <dt>{t("replay.title")}</dt>
          <dd>
            {status?.replay
              ? `${t("replay.progress", { bar: formatCount(status.replay.bar, locale), bars: formatCount(status.replay.bars, locale) })}${running && status.replay.paused ? ` · ${t("replay.paused")}` : ""}`
              : "—"}
          </dd>
        </div>
        <div className="metric" data-field="started">
          <dt>{t("sim.startedAt")}</dt>
          <dd>{formatTime(status?.started_at)}</dd>
        </div>
      </dl>
      {status && status.pairs.length > 0 ? (
        <ul className="engine-pairs" data-testid="engine-pairs">
          {status.pairs.map((pair) => (
            <li key={pair.symbol}>
              <span className="strong">{pair.symbol}</span> · {pair.strategy} · {pair.timeframe} ·{" "}
              {t("sim.pairProgress", { bars: formatCount(pair.bars, locale), last: formatTime(pair.last_bar) })}
              {pair.feed_state ? (
                <span className="feed-state" data-testid="feed-state" data-state={pair.feed_state}>
                  {" · "}
                  {t("sim.feedState", {
                    state: t(`sim.feed.${pair.feed_state}` as MessageKey),
                    age: pair.message_age_s == null ? "—" : formatNumber(pair.message_age_s, locale, 1),
                  })}
                  {pair.last_price != null ? ` · ${t("sim.lastPrice")} ${formatNumber(pair.last_price, locale)}` : ""}
                  {pair.bid != null && pair.ask != null
                    ? ` · ${t("sim.bidAsk")} ${formatNumber(pair.bid, locale)} / ${formatNumber(pair.ask, locale)} (${t("sim.spread")} ${formatNumber(pair.spread ?? 0, locale)})`
                    : ""}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {status?.error ? (
        <Notice kind="error" testId="sim-run-error">
          {t("sim.runError", { error: status.error })}
        </Notice>
      ) : null}
      {status?.finished && !running ? (
        <Notice kind="info" testId="sim-finished">
          {t("sim.finished")}
        </Notice>
      ) : null}
      {confirmReset ? (
        <div className="confirm" role="alertdialog" aria-label={t("sim.reset")} data-testid="confirm-reset">
          <span>{t("sim.resetQuestion")}</span>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              setConfirmReset(false);
              run(resetSimulation, t("sim.resetDone"));
            }}
          >
            {t("sim.resetYes")}
          </button>
          <button type="button" className="btn" onClick={() => setConfirmReset(false)} autoFocus>
            {t("btn.cancel")}
          </button>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={busy || running || status === null} onClick={() => run(() => startSimulation({ feed: "replay" }), null)}>
          {t("sim.start")}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="start-live"
          disabled={busy || running || status === null}
          onClick={() => run(() => startSimulation({ feed: "live" }), null)}
        >
          {t("sim.startLive")}
        </button>
        <button type="button" className="btn" disabled={busy || !running} onClick={() => run(stopSimulation, null)}>
          {t("sim.stop")}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy || confirmReset || status === null} onClick={() => setConfirmReset(true)}>
          {t("sim.reset")}
        </button>
        <button type="button" className="btn" onClick={onShowPerformance}>
          {t("sim.viewPerformance")}
        </button>
      </div>
      {error !== null ? (
        <Notice kind="error" testId="sim-error">
          {error}
        </Notice>
      ) : null}
      {done !== null ? (
        <Notice kind="success" testId="sim-done">
          {done}
        </Notice>
      ) : null}
    </section>
  );
}
