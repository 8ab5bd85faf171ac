/**
 * Orders waiting for a person's confirmation, each with its countdown and Confirm / Reject.
 * Compact (six columns, SL over TP) so that it fits its half of the Dashboard's top row
 * without horizontal scrolling from 1,280 px wide up: the buttons are never cut off.
 */
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { formatPrice, formatQty } from "../lib/format";
import { SideBadge, directionOf, formatCountdown, secondsLeft, toNumber } from "../live/labels";
import { useLive, useNow } from "../live/LiveProvider";
import { usePendingActions } from "../live/usePendingActions";

export function PendingCard() {
  const { t, locale } = useI18n();
  const { pending } = useLive();
  const now = useNow();
  const { busy, error, act } = usePendingActions();

  return (
    <section className="card" aria-labelledby="pending-title" data-testid="pending-card">
      <h2 id="pending-title">
        {t("pending.title")} <span className="muted small">{t("pending.count", { n: pending.length })}</span>
      </h2>
      {error !== null ? (
        <Notice kind="error" testId="pending-error">
          {error}
        </Notice>
      ) : null}
      <div className="table-scroll">
        <table className="table table-compact pending-table" data-testid="pending-table">
          <thead>
            <tr>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("trade.side")}</th>
              <th scope="col" className="num">{t("order.volume")}</th>
              <th scope="col" className="num">
                {t("signal.sl")} / {t("signal.tp")}
              </th>
              <th scope="col" className="num">{t("pending.expiresIn")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {pending.length === 0 ? (
              <tr data-testid="pending-empty">
                <td colSpan={6} className="muted empty">
                  {t("pending.empty")}
                </td>
              </tr>
            ) : (
              pending.map((row) => {
                const left = secondsLeft(row.deadline, now);
                return (
                  <tr key={row.id} data-testid="pending-row" data-id={row.id}>
                    <td className="strong">
                      {row.order.symbol}
                      {typeof row.order.strategy === "string" ? <div className="muted small">{row.order.strategy}</div> : null}
                    </td>
                    <td>
                      <SideBadge side={row.facts?.side ?? directionOf(row.order)} />
                    </td>
                    <td className="num">{formatQty(toNumber(row.order.qty), locale)}</td>
                    <td className="num">
                      <div>{formatPrice(toNumber(row.order.stop_loss), locale)}</div>
                      <div className="muted">{formatPrice(toNumber(row.order.take_profit), locale)}</div>
                    </td>
                    <td className={left <= 10 ? "num neg" : "num"} data-testid="pending-countdown">
                      {left > 0 ? formatCountdown(left) : t("pending.expired")}
                    </td>
                    <td>
                      <div className="actions">
                        <button
                          type="button"
                          className="btn btn-small btn-primary"
                          disabled={busy !== null || left <= 0}
                          onClick={() => act(row, "confirm")}
                        >
                          {t("pending.confirm")}
                        </button>
                        <button type="button" className="btn btn-small btn-danger-ghost" disabled={busy !== null || left <= 0} onClick={() => act(row, "reject")}>
                          {t("pending.reject")}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
