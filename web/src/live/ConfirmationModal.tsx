/**
 * The "confirm order execution" dialog: opens for each new pending
 * confirmation (oldest first) with the pair, side, volume, order type, SL/TP
 * and the expiry countdown. Confirm executes the order, Reject drops it;
 * closing the dialog leaves the order in the pending list. A confirmation that
 * ends while shown (expired, or decided elsewhere) stays on screen, disabled,
 * with what became of it, until the dialog is closed.
 */
import { useEffect, useState } from "react";

import type { MessageKey } from "../i18n/en";

import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { formatPrice, formatQty, formatTime } from "../lib/format";
import { SideBadge, formatCountdown, secondsLeft, toNumber, useLabel } from "./labels";
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

export function ConfirmationModal() {
  const { t, locale } = useI18n();
  const label = useLabel();
  const { pending, orderStatus } = useLive();
  const now = useNow();
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  const [shown, setShown] = useState<LivePending | null>(null);
  const { busy, error, act } = usePendingActions();

  // Show the oldest confirmation not dismissed yet; keep showing one that ended.
  useEffect(() => {
    if (shown !== null) return;
    const next = pending.find((p) => !dismissed.has(p.id));
    if (next) setShown(next);
  }, [pending, dismissed, shown]);

  if (shown === null) return null;
  const row = pending.find((p) => p.id === shown.id) ?? shown;
  const open = pending.some((p) => p.id === shown.id);
  const dismiss = () => {
    setDismissed((current) => new Set(current).add(row.id));
    setShown(null);
  };
  const ended = open ? null : endedAs(orderStatus[row.order.id], row.deadline <= now);
  const left = open ? secondsLeft(row.deadline, now) : 0;
  const order = row.order;
  const price = toNumber(order.price);
  const others = pending.filter((p) => p.id !== row.id && !dismissed.has(p.id)).length;

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
        <div className="metric" data-field="pair">
          <dt>{t("col.pair")}</dt>
          <dd>{order.symbol}</dd>
        </div>
        <div className="metric" data-field="side">
          <dt>{t("trade.side")}</dt>
          <dd>
            <SideBadge side={order.side} />
          </dd>
        </div>
        <div className="metric" data-field="volume">
          <dt>{t("order.volume")}</dt>
          <dd>{formatQty(toNumber(order.qty), locale)}</dd>
        </div>
        <div className="metric" data-field="type">
          <dt>{t("order.type")}</dt>
          <dd>{label("orderType", order.type)}</dd>
        </div>
        {price !== null ? (
          <div className="metric" data-field="price">
            <dt>{t("order.price")}</dt>
            <dd>{formatPrice(price, locale)}</dd>
          </div>
        ) : null}
        <div className="metric" data-field="sl">
          <dt>{t("signal.sl")}</dt>
          <dd>{formatPrice(toNumber(order.stop_loss), locale)}</dd>
        </div>
        <div className="metric" data-field="tp">
          <dt>{t("signal.tp")}</dt>
          <dd>{formatPrice(toNumber(order.take_profit), locale)}</dd>
        </div>
        <div className="metric" data-field="expires">
          <dt>{t("pending.expiresIn")}</dt>
          <dd className={left <= 10 ? "neg" : undefined} data-testid="confirm-countdown">
            {left > 0 ? formatCountdown(left) : ended === "confirmModal.expired" || ended === null ? t("pending.expired") : "—"}
          </dd>
        </div>
      </dl>
      <p className="muted small">
        {t("confirmModal.created", { time: formatTime(row.created_at), strategy: typeof order.strategy === "string" ? order.strategy : "—" })}
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
          type="button"
          className="btn btn-primary"
          disabled={busy !== null || left <= 0}
          onClick={() => act(row, "confirm", dismiss)}
          data-testid="confirm-order"
        >
          {t("pending.confirm")}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={busy !== null || left <= 0}
          onClick={() => act(row, "reject", dismiss)}
          data-testid="reject-order"
        >
          {t("pending.reject")}
        </button>
        <button type="button" className="btn" onClick={dismiss}>
          {left > 0 ? t("confirmModal.later") : t("modal.close")}
        </button>
      </div>
    </Modal>
  );
}
