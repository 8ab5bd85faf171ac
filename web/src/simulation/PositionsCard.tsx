/**
 * Open positions (one per pair: a strategy on a symbol) with their marks, P&L,
 * brackets and liquidation price; each can be closed.
 */
import { useState } from "react";

import { closePosition } from "../api/client";
import type { Position } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatBaseQty, formatMoney, formatNumber, formatPrice, formatSigned, formatTime } from "../lib/format";
import { SideBadge } from "../live/labels";
import { TableNoticeRow } from "../components/TableNoticeRow";

interface PositionsCardProps {
  positions: Position[] | null;
  onChange: () => void;
}

/** `SYMBOL/strategy`: one position per pair. */
function keyOf(position: Position): string {
  return `${position.symbol}/${position.strategy}`;
}

function pnlClass(value: number | null): string {
  if (value === null || value === 0) return "num";
  return value > 0 ? "num pos" : "num neg";
}

export function PositionsCard({ positions, onChange }: PositionsCardProps) {
  const { t, locale } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [closing, setClosing] = useState<ReadonlySet<string>>(() => new Set());
  const [asking, setAsking] = useState<Position | null>(null);

  function close(position: Position) {
    const key = keyOf(position);
    setBusy(key);
    setError(null);
    closePosition(position.symbol, position.strategy)
      .then(() => setClosing((current) => new Set(current).add(key)))
      .catch((reason: unknown) => setError(t("positions.closeError", { error: messageOf(reason) })))
      .finally(() => {
        setBusy(null);
        onChange();
      });
  }

  const open = positions ?? [];
  const stillClosing = [...closing].filter((key) => open.some((p) => keyOf(p) === key));

  return (
    <section className="card" aria-labelledby="positions-title" data-testid="positions-card">
      <h2 id="positions-title">
        {t("positions.title")} <span className="muted small">{positions ? t("positions.count", { n: open.length }) : ""}</span>
      </h2>
      {error !== null ? (
        <Notice kind="error" testId="positions-error">
          {error}
        </Notice>
      ) : null}
      {stillClosing.length > 0 ? (
        <Notice kind="info" testId="positions-closing">
          {t("positions.closing", { pairs: stillClosing.join(", ") })}
        </Notice>
      ) : null}
      <div className="table-scroll">
        <table className="table" data-testid="positions-table">
          <thead>
            <tr>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("col.strategy")}</th>
              <th scope="col">{t("trade.side")}</th>
              <th scope="col" className="num">{t("trade.qty")}</th>
              <th scope="col" className="num">{t("trade.entryPrice")}</th>
              <th scope="col" className="num">{t("positions.mark")}</th>
              <th scope="col" className="num">{t("positions.upnl")}</th>
              <th scope="col" className="num">{t("signal.sl")}</th>
              <th scope="col" className="num">{t("signal.tp")}</th>
              <th scope="col" className="num">{t("positions.liquidation")}</th>
              <th scope="col" className="num">{t("positions.margin")}</th>
              <th scope="col">{t("positions.opened")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {positions === null ? (
              <TableNoticeRow colSpan={13} text={t("sim.loading")} />
            ) : open.length === 0 ? (
              <TableNoticeRow colSpan={13} text={t("positions.empty")} emptyTestId="positions-empty" />
            ) : (
              open.map((position) => (
                <tr
                  key={keyOf(position)}
                  data-testid="position-row"
                  data-symbol={position.symbol}
                  data-strategy={position.strategy}
                  data-side={position.side}
                >
                  <td className="strong">{position.symbol}</td>
                  <td>{position.strategy}</td>
                  <td>
                    <SideBadge side={position.side} />
                  </td>
                  <td className="num">{formatBaseQty(position.qty, locale, position.symbol)}</td>
                  <td className="num">{formatPrice(position.entry_price, locale)}</td>
                  <td className="num">{formatPrice(position.mark_price, locale)}</td>
                  <td className={pnlClass(position.unrealised_pnl)}>{formatSigned(position.unrealised_pnl, locale)}</td>
                  <td className="num">{formatPrice(position.stop_loss, locale)}</td>
                  <td className="num">{formatPrice(position.take_profit, locale)}</td>
                  <td className="num">{formatPrice(position.liquidation_price, locale)}</td>
                  <td className="num">{formatNumber(position.margin, locale)}</td>
                  <td className="nowrap">{formatTime(position.opened_at)}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      disabled={busy !== null || closing.has(keyOf(position))}
                      onClick={() => setAsking(position)}
                    >
                      {t("positions.close")}
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {asking !== null ? (
        <ConfirmDialog
          title={t("positions.closeTitle")}
          confirmLabel={t("positions.closeYes")}
          onConfirm={() => {
            setAsking(null);
            close(asking);
          }}
          onCancel={() => setAsking(null)}
          testId="confirm-close"
        >
          <p>
            {t("positions.closeQuestion", {
              pair: keyOf(asking),
              qty: formatBaseQty(asking.qty, locale, asking.symbol),
              mark: formatPrice(asking.mark_price, locale),
              pnl: formatMoney(asking.unrealised_pnl, locale, true),
            })}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
