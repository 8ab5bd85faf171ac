/**
 * The "confirm order execution" dialog: opens for each new pending confirmation
 * (oldest first) with what the decision needs, fixed at signal time (the server's
 * `facts`): LONG/SHORT, the signal's price and bar time, stop-loss and take-profit(s),
 * quantity (base asset), notional, initial margin and leverage, the risk in USDT and in
 * % of equity, reward/risk, the strategy's reasons, score and breakdown; beside them the
 * engine's latest price and the move since the signal (a warning past
 * `PRICE_MOVE_WARN_PCT`), and the time left in seconds and, in a paced replay, in bars.
 *
 * Enter confirms (once: a held or repeated Enter sends nothing more), Esc closes the
 * dialog and leaves the order pending ("decide later"). A confirmation that ends while
 * shown (expired, or decided elsewhere) stays on screen, disabled, with what became of
 * it, until the dialog is closed.
 */
import { useEffect, useRef, useState, type ReactNode } from "react";

import type { MessageKey } from "../i18n/en";

import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { breakdownRows } from "../dashboard/breakdown";
import { formatFeature } from "../dashboard/SignalDetail";
import { useI18n } from "../i18n/I18nProvider";
import { formatBaseQty, formatMoney, formatNumber, formatPercent, formatPrice, formatSignedPercent, formatTime } from "../lib/format";
import { SideBadge, directionOf, formatCountdown, secondsLeft, toNumber, useLabel } from "./labels";
import { useLive, useNow, type LivePending } from "./LiveProvider";
import { usePendingActions } from "./usePendingActions";

/** What the dialog says about a confirmation that left the pending list. */
function endedAs(status: string | undefined, pastDeadline: boolean): MessageKey {
  switch (status) {
    case "accepted":
    case "filled":
      return "confirmModal.confirmedElsewhere";
    case "rejected":
      return "confirmModal.rejectedElsewhere";
    case "expired":
    case "cancelled":
      return "confirmModal.expired";
    default:
      return pastDeadline ? "confirmModal.expired" : "confirmModal.gone";
  }
}

/** The time left in the replay's bars, scaled from the server's count to the local countdown. */
function barsLeft(row: LivePending, left: number): number | null {
  if (row.bars_left === null || row.bars_left === undefined || row.seconds_left <= 0) return null;
  return Math.max(0, Math.floor((left * row.bars_left) / row.seconds_left));
}

function Field({ name, label, children, testId }: { name: string; label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="metric" data-field={name}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function ConfirmationModal() {
  const { t, locale } = useI18n();
  const label = useLabel();
  const { pending, orderStatus } = useLive();
  const now = useNow();
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  const [shown, setShown] = useState<LivePending | null>(null);
  const { busy, error, act } = usePendingActions();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const confirmAction = useRef<() => void>(() => undefined);

  // Show the oldest confirmation not dismissed yet; keep showing one that ended.
  useEffect(() => {
    if (shown !== null) return;
    const next = pending.find((p) => !dismissed.has(p.id));
    if (next) setShown(next);
  }, [pending, dismissed, shown]);

  // Enter confirms: focus starts on Confirm; another button keeps its own Enter.
  const shownId = shown?.id ?? null;
  useEffect(() => {
    if (shownId === null) return undefined;
    confirmRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (target !== null && target !== confirmRef.current && target.closest("button, a, input, select, textarea, summary")) return;
      event.preventDefault(); // no native click on top of this confirm
      if (!event.repeat) confirmAction.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [shownId]);

  if (shown === null) return null;
  const row = pending.find((p) => p.id === shown.id) ?? shown;
  const open = pending.some((p) => p.id === shown.id);
  const dismiss = () => {
    setDismissed((current) => new Set(current).add(row.id));
    setShown(null);
  };
  const ended = open ? null : endedAs(orderStatus[row.order.id], row.deadline <= now);
  const left = open ? secondsLeft(row.deadline, now) : 0;
  const canDecide = busy === null && left > 0 && ended === null;
  confirmAction.current = () => {
    if (canDecide) act(row, "confirm", dismiss);
  };
  const order = row.order;
  const facts = row.facts ?? null;
  const symbol = order.symbol;
  const others = pending.filter((p) => p.id !== row.id && !dismissed.has(p.id)).length;
  const bars = open ? barsLeft(row, left) : null;
  const targets = facts?.take_profits ?? [];
  const breakdown = breakdownRows(facts?.breakdown);
  const strategy = typeof order.strategy === "string" ? order.strategy : "—";

  return (
    <Modal
      key={row.id}
      title={t("confirmModal.title")}
      subtitle={t("confirmModal.subtitle")}
      closeLabel={t("modal.close")}
      onClose={dismiss}
      testId="confirm-modal"
      size="narrow"
    >
      <dl className="metrics order-details" data-testid="confirm-details" data-id={row.id}>
        <Field name="pair" label={t("col.pair")}>
          {symbol}
        </Field>
        <Field name="side" label={t("trade.side")}>
          <SideBadge side={facts?.side ?? directionOf(order)} />
        </Field>
        <Field name="entry" label={t("confirmModal.signalPrice")}>
          {formatPrice(facts?.entry ?? toNumber(order.price), locale)}
        </Field>
        <Field name="mark" label={t("confirmModal.mark")}>
          {formatPrice(row.mark ?? null, locale)}
        </Field>
        <Field name="move" label={t("confirmModal.move")} testId="confirm-move">
          <span className={row.price_moved ? "neg" : undefined}>{formatSignedPercent(row.move_pct ?? null, locale)}</span>
        </Field>
        <Field name="volume" label={t("order.volume")}>
          {formatBaseQty(facts?.qty ?? toNumber(order.qty), locale, symbol)}
        </Field>
        <Field name="notional" label={t("confirmModal.notional")}>
          {formatMoney(facts?.notional ?? null, locale)}
        </Field>
        <Field name="margin" label={t("confirmModal.margin")}>
          {facts ? t("confirmModal.marginAt", { margin: formatMoney(facts.initial_margin, locale), leverage: formatNumber(facts.leverage, locale, 0) }) : "—"}
        </Field>
        <Field name="sl" label={t("signal.sl")}>
          {formatPrice(facts?.stop_loss ?? toNumber(order.stop_loss), locale)}
        </Field>
        <Field name="tp" label={t("signal.tp")}>
          {targets.length > 1
            ? targets.map((leg) => formatPrice(leg.price, locale)).join(" · ")
            : formatPrice(targets[0]?.price ?? toNumber(order.take_profit), locale)}
        </Field>
        <Field name="risk" label={t("confirmModal.risk")}>
          {facts && facts.risk_usdt !== null
            ? t("confirmModal.riskOf", { usdt: formatMoney(facts.risk_usdt, locale), pct: formatPercent(facts.risk_pct ?? null, locale) })
            : "—"}
        </Field>
        <Field name="rr" label={t("confirmModal.rewardRisk")}>
          {formatNumber(facts?.reward_risk ?? null, locale, 2)}
        </Field>
        <Field name="bar" label={t("confirmModal.barTime")}>
          {facts ? `${formatTime(facts.bar_time)} UTC` : "—"}
        </Field>
        <Field name="type" label={t("order.type")}>
          {label("orderType", order.type)}
        </Field>
        <Field name="expires" label={t("pending.expiresIn")}>
          <span className={left <= 10 ? "neg" : undefined} data-testid="confirm-countdown">
            {left > 0 ? formatCountdown(left) : ended === "confirmModal.expired" || ended === null ? t("pending.expired") : "—"}
          </span>
          {bars !== null ? (
            <span className="muted small" data-testid="confirm-bars">
              {" "}
              {t("confirmModal.bars", { n: bars })}
            </span>
          ) : null}
        </Field>
      </dl>
      {row.price_moved ? (
        <Notice kind="error" testId="confirm-moved">
          {t("confirmModal.moved", { move: formatSignedPercent(row.move_pct ?? null, locale), limit: formatPercent(row.move_warn_pct ?? null, locale) })}
        </Notice>
      ) : null}
      {facts && (facts.reasons.length > 0 || facts.score !== null) ? (
        <section className="confirm-why" data-testid="confirm-why">
          <p className="small">
            <strong>{t("confirmModal.why")}</strong>{" "}
            {facts.score !== null ? (
              <span data-testid="confirm-score">
                {t("confirmModal.score", { score: formatNumber(facts.score, locale, 1), tier: facts.tier ?? "—" })}
              </span>
            ) : null}
          </p>
          {facts.reasons.length > 0 ? (
            <ul className="small" data-testid="confirm-reasons">
              {facts.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          ) : null}
          {breakdown.length > 0 ? (
            <table className="table table-compact" data-testid="confirm-breakdown">
              <tbody>
                {breakdown.map((item) => (
                  <tr key={item.feature}>
                    <th scope="row">{item.feature}</th>
                    <td className="num">{formatFeature(item.value, locale)}</td>
                    <td className="num">{item.score === null ? "—" : formatNumber(item.score, locale, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
      <p className="muted small">
        {t("confirmModal.created", { time: formatTime(row.created_at), strategy })}
        {others > 0 ? ` · ${t("confirmModal.more", { n: others })}` : ""}
      </p>
      {ended !== null ? (
        <Notice kind="info" testId="confirm-ended">
          {t(ended)}
        </Notice>
      ) : left <= 0 ? (
        <Notice kind="info" testId="confirm-ended">
          {t("confirmModal.expired")}
        </Notice>
      ) : null}
      {error !== null ? (
        <Notice kind="error" testId="confirm-error">
          {error}
        </Notice>
      ) : null}
      <div className="form-actions modal-actions">
        <button
          ref={confirmRef}
          type="button"
          className="btn btn-primary"
          disabled={!canDecide}
          onClick={() => confirmAction.current()}
          data-testid="confirm-order"
        >
          {t("pending.confirm")}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={!canDecide}
          onClick={() => act(row, "reject", dismiss)}
          data-testid="reject-order"
        >
          {t("pending.reject")}
        </button>
        <button type="button" className="btn" onClick={dismiss} data-testid="confirm-later">
          {left > 0 ? t("confirmModal.later") : t("modal.close")}
        </button>
      </div>
      <p className="muted small" data-testid="confirm-keys">
        {t("confirmModal.keys")}
      </p>
    </Modal>
  );
}
