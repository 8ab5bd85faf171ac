/**
 * Which mode runs and the kill switch. Paper trading lists the live-trading
 * conditions that are missing (`/status/health`); "Halt trading" asks first (with
 * a "close all positions" box) and stops every new entry; "Resume trading" allows
 * them again. The state shown is the server's (`GET /trading`): it survives restarts.
 */
import { useState } from "react";

import { haltTrading, resumeTrading } from "../api/client";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatTime } from "../lib/format";
import { useLive } from "../live/LiveProvider";

export function TradingCard() {
  const { t } = useI18n();
  const { health, trading, setTrading, refresh } = useLive();
  const [asking, setAsking] = useState(false);
  const [closeAll, setCloseAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const live = health?.mode === "live";
  const halted = trading?.halted ?? health?.halted ?? false;
  const missing = health?.missing ?? [];

  function run(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setDone(null);
    action()
      .then(setDone)
      .catch((reason: unknown) => setError(t("trading.error", { error: messageOf(reason) })))
      .finally(() => {
        setBusy(false);
        refresh();
      });
  }

  function halt() {
    setAsking(false);
    run(async () => {
      const result = await haltTrading({ close_positions: closeAll, reason: "halted from the Dashboard" });
      setTrading(result.state);
      setCloseAll(false);
      return result.closed.length > 0
        ? t("trading.haltClosed", { n: result.closed.length, books: result.closed.join(", ") })
        : t("trading.haltDone");
    });
  }

  function resume() {
    run(async () => {
      setTrading(await resumeTrading());
      return t("trading.resumeDone");
    });
  }

  return (
    <section
      className={live ? "card trading-card trading-live" : "card trading-card"}
      aria-labelledby="trading-title"
      data-testid="trading-card"
      data-mode={health?.mode ?? ""}
      data-halted={String(halted)}
    >
      <div className="card-head">
        <h2 id="trading-title">{t("trading.title")}</h2>
        {health ? (
          <span className={live ? "badge mode-badge mode-live" : "badge mode-badge mode-paper"} data-testid="trading-mode">
            {live ? t("trading.modeLive") : t("trading.modePaper")}
          </span>
        ) : null}
      </div>
      {health && !live ? (
        <div className="live-missing" data-testid="live-missing">
          <span>{t("trading.paperNote")}</span>
          <ul>
            {missing.map((condition) => (
              <li key={condition} data-condition={condition}>
                <code>{condition}</code>
              </li>
            ))}
          </ul>
          <small className="help" data-testid="live-reason">
            {t("trading.why", { reason: health.reason })}
          </small>
        </div>
      ) : null}
      {live ? <p className="strong">{t("trading.liveNote")}</p> : null}
      {halted && trading ? (
        <Notice kind="error" testId="trading-halted">
          {t("trading.halted", {
            since: formatTime(trading.since),
            source: trading.source || "—",
            reason: trading.reason || "—",
          })}
        </Notice>
      ) : (
        <p className="muted" data-testid="trading-active">
          {t("trading.active")}
        </p>
      )}
      {asking ? (
        <div className="confirm" role="alertdialog" aria-label={t("trading.halt")} data-testid="confirm-halt">
          <span>{t("trading.haltQuestion")}</span>
          <label className="check">
            <input
              type="checkbox"
              checked={closeAll}
              onChange={(event) => setCloseAll(event.target.checked)}
              data-testid="halt-close-all"
            />
            <span>{t("trading.closeAll")}</span>
          </label>
          <button type="button" className="btn btn-danger" onClick={halt} data-testid="halt-yes">
            {t("trading.haltYes")}
          </button>
          <button type="button" className="btn" onClick={() => setAsking(false)} autoFocus>
            {t("btn.cancel")}
          </button>
        </div>
      ) : null}
      <div className="form-actions">
        {halted ? (
          <button type="button" className="btn btn-primary" disabled={busy || trading === null} onClick={resume} data-testid="resume-trading">
            {t("trading.resume")}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy || asking || trading === null}
            onClick={() => setAsking(true)}
            data-testid="halt-trading"
          >
            {t("trading.halt")}
          </button>
        )}
      </div>
      {error !== null ? (
        <Notice kind="error" testId="trading-error">
          {error}
        </Notice>
      ) : null}
      {done !== null ? (
        <Notice kind="success" testId="trading-done">
          {done}
        </Notice>
      ) : null}
    </section>
  );
}
