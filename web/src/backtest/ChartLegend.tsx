/**
 * The price chart's HTML parts: the OHLC + volume legend of the bar under the cursor (with
 * the trades entering or exiting on it), and the toggles of the strategy's overlays.
 */
import type { Candle, Overlays } from "../api/types";
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n } from "../i18n/I18nProvider";
import { formatCount, formatPrice, formatQty, formatTime } from "../lib/format";
import { type BarTrades, lineColor, zoneColors } from "./chartData";

/** Code of the toggle of the trades' connectors and SL/TP segments. */
export const TRADES_TOGGLE = "trades";
const MAX_TIPS = 4;

export function useOverlayName(): (code: string) => string {
  const { t } = useI18n();
  return (code) => (hasMessage(`overlay.${code}`) ? t(`overlay.${code}` as MessageKey) : code);
}

export function useReasonName(): (code: string) => string {
  const { t } = useI18n();
  return (code) => (hasMessage(`reason.${code}`) ? t(`reason.${code}` as MessageKey) : code);
}

/** O H L C and volume of `candle` (thousands separators), and what traded on that bar. */
export function OhlcLegend({ candle, trades }: { candle: Candle; trades: BarTrades | undefined }) {
  const { t, locale } = useI18n();
  const reason = useReasonName();
  const side = (code: string) => (hasMessage(`side.${code}`) ? t(`side.${code}` as MessageKey) : code);
  const values: [MessageKey, string][] = [
    ["chart.ohlc.open", formatPrice(candle.open, locale)],
    ["chart.ohlc.high", formatPrice(candle.high, locale)],
    ["chart.ohlc.low", formatPrice(candle.low, locale)],
    ["chart.ohlc.close", formatPrice(candle.close, locale)],
    ["chart.ohlc.volume", formatQty(candle.volume, locale)],
  ];
  const tips = [
    ...(trades?.entries ?? []).map((p) => t("chart.tip.entry", { side: side(p.side), price: formatPrice(p.entryPrice, locale) })),
    ...(trades?.exits ?? []).map((p) =>
      t("chart.tip.exit", { side: side(p.side), price: formatPrice(p.exitPrice, locale), reason: reason(p.reason) }),
    ),
  ];
  return (
    <div className="chart-legend small" data-testid="chart-legend" data-time={candle.time}>
      <span className="muted">{formatTime(new Date(candle.time * 1000).toISOString())}</span>
      {values.map(([key, text]) => (
        <span key={key} data-field={key.slice("chart.ohlc.".length)}>
          <span className="muted">{t(key)}</span> {text}
        </span>
      ))}
      {tips.length > 0 ? (
        <span className="chart-legend-tips" data-testid="chart-legend-trades">
          {tips.slice(0, MAX_TIPS).join(" · ")}
          {tips.length > MAX_TIPS ? ` · +${formatCount(tips.length - MAX_TIPS, locale)}` : ""}
        </span>
      ) : null}
    </div>
  );
}

/** A checkbox per overlay line and zone kind of the strategy, and one for the trades' lines. */
export function OverlayToggles({
  overlays,
  error,
  hidden,
  onToggle,
}: {
  overlays: Overlays | null;
  error: string | null;
  hidden: ReadonlySet<string>;
  onToggle: (code: string) => void;
}) {
  const { t } = useI18n();
  const name = useOverlayName();
  const kinds = [...new Set((overlays?.zones ?? []).map((zone) => zone.kind))];
  const items: { code: string; label: string; color: string; band: boolean }[] = [
    ...(overlays?.lines ?? []).map((line, index) => ({ code: line.code, label: name(line.code), color: lineColor(line.code, index), band: false })),
    ...kinds.map((kind) => ({ code: kind, label: name(kind), color: zoneColors(kind)[1], band: true })),
  ];
  return (
    <div className="chart-toggles small" data-testid="overlay-toggles">
      <span className="muted">{t("chart.overlays")}:</span>
      {items.map((item) => (
        <label key={item.code} className="chart-toggle" data-testid="overlay-toggle" data-code={item.code}>
          <input type="checkbox" checked={!hidden.has(item.code)} onChange={() => onToggle(item.code)} />
          <span className={item.band ? "swatch swatch-band" : "swatch"} style={{ background: item.color }} aria-hidden="true" />
          {item.label}
        </label>
      ))}
      {overlays !== null && items.length === 0 ? <span className="muted" data-testid="overlays-none">{t("chart.overlaysNone")}</span> : null}
      {error !== null ? <span className="neg" data-testid="overlays-error">{t("chart.overlaysError", { error })}</span> : null}
      <label className="chart-toggle" data-testid="overlay-toggle" data-code={TRADES_TOGGLE}>
        <input type="checkbox" checked={!hidden.has(TRADES_TOGGLE)} onChange={() => onToggle(TRADES_TOGGLE)} />
        {t("chart.tradeLines")}
      </label>
    </div>
  );
}
