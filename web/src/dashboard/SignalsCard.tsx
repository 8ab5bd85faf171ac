/** Live signals per pair: the last N events of each followed pair, newest first. */
import type { SimSignal } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber, formatPrice, formatTime } from "../lib/format";
import { SideBadge, StatusBadge, useLabel } from "../live/labels";
import { useLive } from "../live/LiveProvider";

/** Signals shown per pair. */
export const SIGNALS_PER_PAIR = 10;

interface SignalsCardProps {
  /** The followed pairs, in list order (pairs with signals but no longer followed come after). */
  symbols: string[];
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

function SignalTable({ signals }: { signals: SimSignal[] }) {
  const { t, locale } = useI18n();
  const { orderStatus } = useLive();
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
            <th scope="col">{t("col.status")}</th>
            <th scope="col">{t("signal.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((signal) => {
            const status = effectiveStatus(signal, orderStatus);
            return (
            <tr key={String(signal.id)} data-testid="signal-row" data-status={status} data-side={signal.side}>
              <td className="nowrap">{formatTime(signal.time)}</td>
              <td>
                <SideBadge side={signal.side} />
              </td>
              <td className="num">{formatPrice(signal.entry, locale)}</td>
              <td className="num">{formatPrice(signal.stop_loss, locale)}</td>
              <td className="num">{formatPrice(signal.take_profit, locale)}</td>
              <td className="num">{signal.confidence === null ? "—" : formatNumber(signal.confidence, locale, 0)}</td>
              <td>
                <StatusBadge status={status} prefix="signalStatus" />
              </td>
              <td className="reason-cell" title={[signal.reason, ...(signal.reasons ?? [])].filter(Boolean).join(" · ")}>
                {signal.reason ? label("signalReason", signal.reason) : (signal.reasons?.[0] ?? "")}
              </td>
            </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function SignalsCard({ symbols }: SignalsCardProps) {
  const { t } = useI18n();
  const { signals, connected } = useLive();
  const bySymbol = new Map<string, SimSignal[]>();
  for (const signal of signals) {
    const list = bySymbol.get(signal.symbol) ?? [];
    if (list.length < SIGNALS_PER_PAIR) list.push(signal);
    bySymbol.set(signal.symbol, list);
  }
  const order = [...symbols, ...[...bySymbol.keys()].filter((s) => !symbols.includes(s)).sort()];

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
      {order.length === 0 ? <p className="muted">{t("signals.noPairs")}</p> : null}
      <div className="signal-groups">
        {order.map((symbol) => {
          const list = bySymbol.get(symbol) ?? [];
          return (
            <section key={symbol} className="signal-group" data-testid="signal-group" data-symbol={symbol} aria-label={symbol}>
              <h3>{symbol}</h3>
              {list.length === 0 ? <p className="muted small">{t("signals.none")}</p> : <SignalTable signals={list} />}
            </section>
          );
        })}
      </div>
    </section>
  );
}
