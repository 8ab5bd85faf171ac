/**
 * Live signals per pair (a strategy on a symbol): the last N of each followed pair,
 * newest first, each with its fate and score; a blocked one names its circuit breaker
 * (the reason in its tooltip). Clicking a row (or its time, a button) opens the
 * signal's strategy detail panel (`SignalDetail`). "Position open" rejections (a strategy
 * re-signalling while it holds a position) are hidden unless asked for, the list filters
 * by status, and the funnel above it counts every fate (`SignalFunnel`).
 */
import { useState } from "react";

import type { SimSignal } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber, formatPrice, formatTime } from "../lib/format";
import { SideBadge, StatusBadge, useLabel } from "../live/labels";
import { useLive } from "../live/LiveProvider";
import { SignalDetail } from "./SignalDetail";
import { SignalFunnel } from "./SignalFunnel";
import { useReasonText } from "../lib/reasons";

/** Signals shown per pair. */
export const SIGNALS_PER_PAIR = 10;

/** A followed pair: one strategy trading one symbol. */
export interface Book {
  symbol: string;
  strategy: string;
}

/** `SYMBOL/strategy`: the pair's key, as the engine names its book. */
export function bookKey(book: Book): string {
  return `${book.symbol}/${book.strategy}`;
}

interface SignalsCardProps {
  /** The followed pairs, in list order (pairs with signals but no longer followed come after). */
  books: Book[];
}

/**
 * What became of a signal: its recorded fate, or for a signal that waited for a
 * confirmation, its order's status once known (accepted, rejected, expired...).
 */
export function effectiveStatus(signal: SimSignal, orderStatus: Readonly<Record<string, string>>): string {
  if (signal.status !== "pending" || !signal.order_id) return signal.status;
  const status = orderStatus[signal.order_id];
  return status && status !== "pending_confirmation" ? status : signal.status;
}

/** The statuses the list filters by (a signal's fate once known). */
export const STATUS_FILTERS = ["accepted", "pending", "rejected", "blocked", "expired", "cancelled", "dropped"] as const;
/** The rejection reason hidden by default: a strategy re-signalling while in a position. */
export const POSITION_OPEN = "position_open";

/** The fate a status filter matches (an entry that filled was accepted). */
function fateOf(status: string): string {
  return status === "filled" ? "accepted" : status === "pending_confirmation" ? "pending" : status;
}

function SignalTable({ signals, onSelect }: { signals: SimSignal[]; onSelect: (signal: SimSignal) => void }) {
  const { t, locale } = useI18n();
  const { orderStatus } = useLive();
  const reasonText = useReasonText();
  const label = useLabel();
  return (
    <div className="table-scroll">
      <table className="table table-compact">
        <thead>
          <tr>
            <th scope="col">{t("signal.time")}</th>
            <th scope="col">{t("trade.side")}</th>
            <th scope="col" className="num">{t("signal.entry")}</th>
            <th scope="col" className="num">{t("signal.sl")}</th>
            <th scope="col" className="num">{t("signal.tp")}</th>
            <th scope="col" className="num">{t("signal.confidence")}</th>
            <th scope="col" className="num">{t("signal.score")}</th>
            <th scope="col">{t("col.status")}</th>
            <th scope="col">{t("signal.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((signal) => {
            const status = effectiveStatus(signal, orderStatus);
            // The server's reason in the reader's language (its tooltips too).
            const said = signal.reason ? reasonText(signal.reason_code ?? signal.reason, signal.reason_params, signal.reason) : "";
            return (
            <tr
              key={String(signal.id)}
              data-testid="signal-row"
              data-status={status}
              data-reason={signal.reason || undefined}
              data-side={signal.side}
              data-breaker={signal.breaker ?? undefined}
              data-score={signal.score ?? undefined}
              className="row-clickable"
              onClick={() => onSelect(signal)}
            >
              <td className="nowrap">
                <button
                  type="button"
                  className="link-button"
                  data-testid="signal-open"
                  aria-label={t("signal.openDetails", { side: label("side", signal.side), time: formatTime(signal.time) })}
                >
                  {formatTime(signal.time)}
                </button>
              </td>
              <td>
                <SideBadge side={signal.side} />
              </td>
              <td className="num">{formatPrice(signal.entry, locale)}</td>
              <td className="num">{formatPrice(signal.stop_loss, locale)}</td>
              <td className="num">{formatPrice(signal.take_profit, locale)}</td>
              <td className="num">{signal.confidence === null ? "—" : formatNumber(signal.confidence, locale, 0)}</td>
              <td className="num" data-col="score" title={signal.tier ?? undefined}>
                {signal.score === null || signal.score === undefined ? "—" : formatNumber(signal.score, locale, 1)}
              </td>
              <td title={status === "blocked" ? said : undefined}>
                <StatusBadge status={status} prefix="signalStatus" />
                {status === "blocked" && signal.breaker ? (
                  <span className="breaker-name" data-testid="signal-breaker" title={said}>
                    {label("risk", signal.breaker)}
                  </span>
                ) : null}
              </td>
              <td className="reason-cell" title={[said, ...(signal.reasons ?? [])].filter(Boolean).join(" · ")}>
                {said || (signal.reasons?.[0] ?? "")}
              </td>
            </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function SignalsCard({ books }: SignalsCardProps) {
  const { t } = useI18n();
  const label = useLabel();
  const { signals, connected, orderStatus } = useLive();
  const [selected, setSelected] = useState<SimSignal | null>(null);
  const [hideOpen, setHideOpen] = useState(true);
  const [statusFilter, setStatusFilter] = useState<string>("");
  // The open panel follows its signal as it changes (a pending one gets its fate).
  const shown = selected === null ? null : (signals.find((s) => s.id === selected.id) ?? selected);
  const byBook = new Map<string, SimSignal[]>();
  const filteredOut = new Set<string>();
  const known = new Map<string, Book>(books.map((book) => [bookKey(book), book]));
  for (const signal of signals) {
    const key = bookKey(signal);
    const list = byBook.get(key) ?? [];
    const fate = fateOf(effectiveStatus(signal, orderStatus));
    const noise = hideOpen && signal.status === "rejected" && signal.reason === POSITION_OPEN;
    const shownNow = !noise && (statusFilter === "" || fate === statusFilter);
    if (shownNow && list.length < SIGNALS_PER_PAIR) list.push(signal);
    if (!shownNow) filteredOut.add(key);
    byBook.set(key, list);
    if (!known.has(key)) known.set(key, { symbol: signal.symbol, strategy: signal.strategy });
  }
  const followed = books.map(bookKey);
  const order = [...followed, ...[...byBook.keys()].filter((key) => !followed.includes(key)).sort()];

  return (
    <section className="card" aria-labelledby="signals-title" data-testid="signals-card">
      <div className="card-head">
        <h2 id="signals-title">
          {t("signals.title")} <span className="muted small">{t("signals.lastN", { n: SIGNALS_PER_PAIR })}</span>
        </h2>
        <span className={connected ? "live-dot live-on" : "live-dot"} data-testid="stream-state" data-connected={connected}>
          {connected ? t("signals.live") : t("signals.offline")}
        </span>
      </div>
      <SignalFunnel />
      <div className="signal-filters" data-testid="signal-filters">
        <label className="checkbox">
          <input type="checkbox" checked={hideOpen} onChange={(event) => setHideOpen(event.target.checked)} data-testid="hide-position-open" />
          {t("signals.hidePositionOpen")}
        </label>
        <label>
          {t("signals.statusFilter")}{" "}
          <select value={statusFilter} onChange={(event) => setStatusFilter(event.target.value)} data-testid="signal-status-filter">
            <option value="">{t("signals.allStatuses")}</option>
            {STATUS_FILTERS.map((status) => (
              <option key={status} value={status}>
                {label("signalStatus", status)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {order.length === 0 ? <p className="muted">{t("signals.noPairs")}</p> : null}
      <div className="signal-groups">
        {order.map((key) => {
          const list = byBook.get(key) ?? [];
          const book = known.get(key) ?? { symbol: key, strategy: "" };
          return (
            <section
              key={key}
              className="signal-group"
              data-testid="signal-group"
              data-symbol={book.symbol}
              data-strategy={book.strategy}
              aria-label={`${book.symbol} · ${book.strategy}`}
            >
              <h3>
                {book.symbol} <span className="muted small">{book.strategy}</span>
              </h3>
              {list.length === 0 ? (
                <p className="muted small">{t(filteredOut.has(key) ? "signals.filteredNone" : "signals.none")}</p>
              ) : (
                <SignalTable signals={list} onSelect={setSelected} />
              )}
            </section>
          );
        })}
      </div>
      {shown !== null ? (
        <SignalDetail signal={shown} status={effectiveStatus(shown, orderStatus)} onClose={() => setSelected(null)} />
      ) : null}
    </section>
  );
}
