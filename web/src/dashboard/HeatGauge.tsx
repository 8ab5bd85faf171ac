/**
 * Portfolio heat (`GET /simulation/heat`): the open risk of every book — a position's entry
 * → current stop, a waiting entry's reference price → stop — in % of the equity, as a bar
 * against the tightest declared cap (a marker), and the books holding it, largest first.
 */
import type { Heat } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber, formatPercent, formatPrice, formatBaseQty } from "../lib/format";
import { SideBadge, useLabel } from "../live/labels";

/** The gauge shows up to this multiple of the cap (or of the heat, when over it). */
const HEADROOM = 1.25;

export function heatLevel(heat: number, cap: number | null): "none" | "ok" | "high" | "over" {
  if (cap === null) return "none";
  if (heat > cap) return "over";
  return heat >= cap * 0.75 ? "high" : "ok";
}

export function HeatGauge({ heat }: { heat: Heat }) {
  const { t, locale } = useI18n();
  const label = useLabel();
  const cap = heat.cap_pct ?? null;
  const scale = Math.max(cap ?? 0, heat.heat_pct, 1) * HEADROOM;
  const level = heatLevel(heat.heat_pct, cap);
  const shown = formatPercent(heat.heat_pct, locale, 2);
  return (
    <div className="heat" data-testid="heat-gauge" data-heat={heat.heat_pct} data-cap={cap ?? ""} data-level={level}>
      <p className="heat-figure">
        <strong data-testid="heat-value">{shown}</strong>{" "}
        <span className="muted">
          {cap === null ? t("heat.noCap") : t("heat.ofCap", { cap: formatPercent(cap, locale, 0) })}
        </span>
      </p>
      <div
        className="heat-bar"
        role="meter"
        aria-label={t("heat.label")}
        aria-valuemin={0}
        aria-valuemax={Number(scale.toFixed(4))}
        aria-valuenow={heat.heat_pct}
        aria-valuetext={cap === null ? shown : t("heat.valueText", { heat: shown, cap: formatPercent(cap, locale, 0) })}
      >
        <span className={`heat-fill heat-${level}`} style={{ width: `${Math.min(100, (heat.heat_pct / scale) * 100)}%` }} />
        {cap !== null ? (
          <span className="heat-cap" style={{ left: `${(cap / scale) * 100}%` }} data-testid="heat-cap" />
        ) : null}
      </div>
      <p className="muted small" data-testid="heat-summary">
        {t("heat.summary", {
          risk: formatNumber(heat.open_risk, locale, 2),
          equity: formatNumber(heat.equity, locale, 2),
        })}
        {heat.free_pct !== null && heat.free_pct !== undefined
          ? ` · ${t("heat.free", { free: formatPercent(heat.free_pct, locale, 2) })}`
          : ""}
      </p>
      {heat.books.length === 0 ? (
        <p className="muted" data-testid="heat-empty">
          {t("heat.empty")}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table table-compact" data-testid="heat-books">
            <thead>
              <tr>
                <th scope="col">{t("col.pair")}</th>
                <th scope="col">{t("col.strategy")}</th>
                <th scope="col">{t("trade.side")}</th>
                <th scope="col">{t("heat.state")}</th>
                <th scope="col" className="num">
                  {t("heat.qty")}
                </th>
                <th scope="col" className="num">
                  {t("heat.entryStop")}
                </th>
                <th scope="col" className="num">
                  {t("heat.risk")}
                </th>
                <th scope="col" className="num">
                  {t("heat.riskPct")}
                </th>
              </tr>
            </thead>
            <tbody>
              {heat.books.map((book) => (
                <tr
                  key={`${book.symbol}/${book.strategy}`}
                  data-testid="heat-book"
                  data-symbol={book.symbol}
                  data-strategy={book.strategy}
                  data-risk-pct={book.risk_pct}
                >
                  <td className="strong">{book.symbol}</td>
                  <td>{book.strategy}</td>
                  <td>
                    <SideBadge side={book.side} />
                  </td>
                  <td>{label("heatState", book.state)}</td>
                  <td className="num">{book.qty === null || book.qty === undefined ? "—" : formatBaseQty(book.qty, locale, book.symbol)}</td>
                  <td className="num nowrap">
                    {book.entry === null || book.entry === undefined
                      ? "—"
                      : `${formatPrice(book.entry, locale)} → ${formatPrice(book.stop, locale)}`}
                  </td>
                  <td className="num">{formatNumber(book.risk, locale, 2)}</td>
                  <td className="num" data-col="risk-pct">
                    {formatPercent(book.risk_pct, locale, 2)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
