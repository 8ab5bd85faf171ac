/**
 * The five confluence layers of one signal (technical, order flow, on-chain, sentiment,
 * backtest): each one's score (0–100, 50 neutral), its agreement with the signal's side
 * (a bar), its freshness, and — for a layer left out — that it is missing and why (the
 * plugin's words, else what a missing layer of that kind means); then how the score was
 * reached (raw × missing-layer penalty × regime modifier) and the market regime.
 */
import type { SimSignal } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatNumber } from "../lib/format";
import { useLabel } from "../live/labels";
import { confluenceLayers, regimeOf, scoreMath } from "./confluence";

export function LayerBreakdown({ signal }: { signal: SimSignal }) {
  const { t, locale } = useI18n();
  const label = useLabel();
  const layers = confluenceLayers(signal);
  const math = scoreMath(signal.breakdown);
  const regime = regimeOf(signal.reasons);
  const missing = layers.filter((layer) => layer.missing).length;
  return (
    <div className="layer-breakdown" data-testid="layer-breakdown" data-signal-id={signal.id} data-missing={missing}>
      <div className="table-scroll">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">{t("confluence.layer")}</th>
              <th scope="col" className="num">
                {t("confluence.layerScore")}
              </th>
              <th scope="col">{t("confluence.agreement")}</th>
              <th scope="col" className="num">
                {t("confluence.freshness")}
              </th>
              <th scope="col">{t("confluence.state")}</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((layer) => (
              <tr key={layer.name} data-testid="layer-row" data-layer={layer.name} data-missing={layer.missing}>
                <th scope="row">{label("confluenceLayer", layer.name)}</th>
                <td className="num" data-col="score">
                  {layer.score === null ? "—" : formatNumber(layer.score, locale, 0)}
                </td>
                <td data-col="agreement">
                  {layer.agreement === null ? (
                    "—"
                  ) : (
                    <span className="score-cell">
                      <span className="score-meter" aria-hidden="true">
                        <span style={{ width: `${Math.min(100, Math.max(0, layer.agreement))}%` }} />
                      </span>
                      {formatNumber(layer.agreement, locale, 0)}
                    </span>
                  )}
                </td>
                <td className="num" data-col="freshness">
                  {layer.freshness === null ? "—" : formatNumber(layer.freshness, locale, 2)}
                </td>
                <td data-col="state">
                  {layer.missing ? (
                    <>
                      <span className="badge badge-missing">{t("confluence.missing")}</span>{" "}
                      <span className="muted small" data-testid="layer-why">
                        {layer.why ?? label("confluenceWhy", layer.name)}
                      </span>
                    </>
                  ) : (
                    <span className="muted small">{layer.reason ?? t("confluence.present")}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {math !== null ? (
        <p className="muted small" data-testid="score-math">
          {t("confluence.math", {
            raw: formatNumber(math.raw, locale, 1),
            penalty: formatNumber(math.penalty, locale, 2),
            missing: math.missing,
            modifier: formatNumber(math.modifier, locale, 2),
            score: formatNumber(signal.score ?? signal.confidence, locale, 0),
          })}
        </p>
      ) : null}
      <p className="muted small" data-testid="confluence-regime">
        {t("confluence.regime", { regime: regime ?? t("confluence.regimeUnknown") })}
      </p>
    </div>
  );
}
