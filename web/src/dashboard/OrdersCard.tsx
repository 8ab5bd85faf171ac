/**
 * The latest orders of the queue (strategy and manual) with their status and, for a
 * rejected, cancelled or expired one, the reason in words — in live trading Binance's
 * refusal ("margin is insufficient (-2019)"), in paper trading the pipeline's.
 * Re-fetched whenever the live state moves on (`revision`).
 */
import { useEffect, useState } from "react";

import { listOrders } from "../api/client";
import type { Order } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatBaseQty, formatTime } from "../lib/format";
import { useLive } from "../live/LiveProvider";

const SHOWN = 15;

export function OrdersCard() {
  const { t, locale } = useI18n();
  const { revision } = useLive();
  const [orders, setOrders] = useState<Order[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    listOrders(SHOWN, abort.signal)
      .then((rows) => {
        setOrders(rows);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setError(messageOf(reason));
      });
    return () => abort.abort();
  }, [revision]);

  return (
    <section className="card" aria-labelledby="orders-title" data-testid="orders-card">
      <h2 id="orders-title">{t("orders.title")}</h2>
      {error !== null ? (
        <Notice kind="error" testId="orders-error">
          {t("err.load", { error })}
        </Notice>
      ) : null}
      <div className="table-scroll">
        <table className="table" data-testid="orders-table">
          <thead>
            <tr>
              <th scope="col">{t("orders.time")}</th>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("trade.side")}</th>
              <th scope="col">{t("order.type")}</th>
              <th scope="col" className="num">{t("order.volume")}</th>
              <th scope="col">{t("orders.status")}</th>
              <th scope="col">{t("signal.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {orders.length === 0 ? (
              <tr data-testid="orders-empty">
                <td colSpan={7} className="muted empty">
                  {t("orders.empty")}
                </td>
              </tr>
            ) : (
              orders.map((order) => (
                <tr key={order.id} data-testid="order-row" data-status={order.status}>
                  <td>{formatTime(order.created_at)}</td>
                  <td>{order.symbol}</td>
                  <td>{order.side === "buy" ? t("orders.buy") : t("orders.sell")}</td>
                  <td>{order.type}</td>
                  <td className="num">{order.qty === null ? "—" : formatBaseQty(order.qty, locale, order.symbol)}</td>
                  <td>{t(`orderStatus.${order.status}`)}</td>
                  <td data-testid="order-reason">{order.reason}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
