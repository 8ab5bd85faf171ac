/**
 * The strategy detail panel of one signal (a dialog: Esc, the close button or the
 * backdrop close it): its levels, fate, score, tier and variant, the strategy's
 * reasons, the confluence layers of a confluence-shaped signal (`LayerBreakdown`), and its
 * feature breakdown as a table, each feature's sub-score (`x_score`) beside its raw value.
 */
import type { SimSignal } from "../api/types";
import { Modal } from "../components/Modal";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber, formatPrice, formatTime } from "../lib/format";
import { useReasonText } from "../lib/reasons";
import { SideBadge, StatusBadge, useLabel } from "../live/labels";
import { breakdownRows } from "./breakdown";
import { isConfluence } from "./confluence";
import { LayerBreakdown } from "./LayerBreakdown";

/** A feature value: up to 6 significant digits below 1, 4 decimals above. */
export function formatFeature(value: number, locale: string): string {
  if (!Number.isFinite(value)) return "—";
  const options: Intl.NumberFormatOptions =
    Math.abs(value) < 1 ? { maximumSignificantDigits: 6 } : { maximumFractionDigits: 4 };
  return value.toLocaleString(locale, options);
}

interface SignalDetailProps {
  signal: SimSignal;
  /** What became of it (`effectiveStatus`: the order's status while it waits). */
  status: string;
  onClose: () => void;
}

export function SignalDetail({ signal, status, onClose }: SignalDetailProps) {
  const { t, locale } = useI18n();
  const reasonText = useReasonText();
  const label = useLabel();
  const rows = breakdownRows(signal.breakdown);
  const hasSubScores = rows.some((row) => row.score !== null);
  const reasons = signal.reasons ?? [];
  const score = signal.score ?? null;

  return (
    <Modal
      title={t("signalDetail.title", { symbol: signal.symbol, strategy: signal.strategy })}
      subtitle={t("signalDetail.subtitle", { time: formatTime(signal.time), status: label("signalStatus", status) })}
      closeLabel={t("modal.close")}
      onClose={onClose}
      testId="signal-detail"
    >
      <section aria-labelledby="signal-detail-levels">
        <h3 id="signal-detail-levels">{t("signal.levels")}</h3>
        <dl className="metrics" data-testid="signal-detail-fields" data-id={signal.id}>
          <div className="metric" data-field="side">
            <dt>{t("trade.side")}</dt>
            <dd>
              <SideBadge side={signal.side} />
            </dd>
          </div>
          <div className="metric" data-field="entry">
            <dt>{t("signal.entry")}</dt>
            <dd>{formatPrice(signal.entry, locale)}</dd>
          </div>
          <div className="metric" data-field="sl">
            <dt>{t("signal.sl")}</dt>
            <dd>{formatPrice(signal.stop_loss, locale)}</dd>
          </div>
          <div className="metric" data-field="tp">
            <dt>{t("signal.tp")}</dt>
            <dd>{formatPrice(signal.take_profit, locale)}</dd>
          </div>
          <div className="metric" data-field="score">
            <dt>{t("signal.score")}</dt>
            <dd>{score === null ? "—" : t("signal.scoreOutOf", { score: formatNumber(score, locale, 1) })}</dd>
          </div>
          <div className="metric" data-field="tier">
            <dt>{t("signal.tier")}</dt>
            <dd>{signal.tier || "—"}</dd>
          </div>
          <div className="metric" data-field="variant">
            <dt>{t("signal.variant")}</dt>
            <dd>{signal.variant || "—"}</dd>
          </div>
          <div className="metric" data-field="confidence">
            <dt>{t("signal.confidence")}</dt>
            <dd>{formatNumber(signal.confidence, locale, 0)}</dd>
          </div>
          <div className="metric" data-field="status">
            <dt>{t("signal.status")}</dt>
            <dd title={signal.reason ? reasonText(signal.reason_code ?? signal.reason, signal.reason_params, signal.reason) : undefined}>
              <StatusBadge status={status} prefix="signalStatus" />
              {signal.reason ? <span className="muted small"> {label("signalReason", signal.reason)}</span> : null}
            </dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="signal-detail-reasons">
        <h3 id="signal-detail-reasons">{t("signal.reasons")}</h3>
        {reasons.length === 0 ? (
          <p className="muted">{t("signal.noReasons")}</p>
        ) : (
          <ul className="reason-list" data-testid="signal-detail-reasons">
            {reasons.map((reason, index) => (
              <li key={index}>{reason}</li>
            ))}
          </ul>
        )}
      </section>

      {isConfluence(signal.breakdown) ? (
        <section aria-labelledby="signal-detail-layers">
          <h3 id="signal-detail-layers">{t("confluence.layersTitle")}</h3>
          <LayerBreakdown signal={signal} />
        </section>
      ) : null}

      <section aria-labelledby="signal-detail-breakdown">
        <h3 id="signal-detail-breakdown">{t("signal.breakdown")}</h3>
        {rows.length === 0 ? (
          <p className="muted" data-testid="signal-detail-no-breakdown">
            {t("signal.noBreakdown")}
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table table-compact" data-testid="signal-breakdown">
              <thead>
                <tr>
                  <th scope="col">{t("signal.feature")}</th>
                  <th scope="col" className="num">
                    {t("signal.value")}
                  </th>
                  {hasSubScores ? (
                    <th scope="col" className="num">
                      {t("signal.subScore")}
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.feature} data-testid="breakdown-row" data-feature={row.feature}>
                    <th scope="row" className="feature-name">
                      {row.feature}
                    </th>
                    <td className="num" data-col="value">
                      {formatFeature(row.value, locale)}
                    </td>
                    {hasSubScores ? (
                      <td className="num" data-col="score">
                        {row.score === null ? "—" : formatFeature(row.score, locale)}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Modal>
  );
}
