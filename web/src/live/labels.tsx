/** Small shared pieces of the paper-trading views: labels, badges and the countdown. */
import type { Order } from "../api/types";
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n } from "../i18n/I18nProvider";

/** A translated label of `prefix.value` (the raw value when there is none). */
export function useLabel(): (prefix: string, value: string | null | undefined) => string {
  const { t } = useI18n();
  return (prefix, value) => {
    if (value === null || value === undefined || value === "") return "—";
    const key = `${prefix}.${value}`;
    return hasMessage(key) ? t(key as MessageKey) : value.replace(/_/g, " ");
  };
}

/** A decimal that may arrive as a string (order fields) as a number. */
export function toNumber(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const number = typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}

/** The long/short direction of an order side. */
export function directionOf(order: Pick<Order, "side">): "long" | "short" {
  return order.side === "buy" ? "long" : "short";
}

/** Whole seconds left before `deadline` (ms), never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** `m:ss` of a number of seconds. */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

/** A coloured side label: `buy`/`sell` of an order or `long`/`short` of a signal or position. */
export function SideBadge({ side }: { side: string }) {
  const label = useLabel();
  const isOrderSide = side === "buy" || side === "sell";
  const direction = side === "buy" ? "long" : side === "sell" ? "short" : side;
  return <span className={`side side-${direction}`}>{isOrderSide ? label("orderSide", side) : label("side", side)}</span>;
}

/** A signal / order status as a badge. */
export function StatusBadge({ status, prefix }: { status: string; prefix: "signalStatus" | "engineState" }) {
  const label = useLabel();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {label(prefix, status)}
    </span>
  );
}
