/** The integrity report of one symbol and timeframe, as `scalplab data check` gives it. */
import type { IntegrityCheck } from "../api/types";
import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount, formatTime } from "../lib/format";

const SHOWN = 10;

interface CheckModalProps {
  symbol: string;
  timeframe: string;
  report: IntegrityCheck | null;
  error: string | null;
  onClose: () => void;
}

export function CheckModal({ symbol, timeframe, report, error, onClose }: CheckModalProps) {
  const { t, locale } = useI18n();
  const brokenDays = report ? report.market.filter((day) => day.error).length : 0;
  return (
    <Modal title={t("data.checkTitle", { symbol, timeframe })} closeLabel={t("modal.close")} onClose={onClose} size="narrow" testId="check-modal">
      {error !== null ? <Notice kind="error">{t("data.checkFailed", { error })}</Notice> : null}
      {report === null && error === null ? <p className="muted">{t("data.checking")}</p> : null}
      {report !== null ? (
        <div data-testid="check-report">
          <p>
            <span className={report.ok ? "badge badge-done" : "badge badge-failed"} data-testid="check-status">
              {report.ok ? t("data.checkOk") : t("data.checkCorrupt")}
            </span>
            {report.resampled_from ? <span className="muted small"> {t("data.resampledFrom", { tf: report.resampled_from })}</span> : null}
          </p>
          <dl className="check-list">
            <dt>{t("data.bars")}</dt>
            <dd data-testid="check-rows">{formatCount(report.rows, locale)}</dd>
            <dt>{t("data.span")}</dt>
            <dd>
              {formatTime(report.first)} – {formatTime(report.last)}
            </dd>
            <dt>{t("data.gaps")}</dt>
            <dd data-testid="check-gaps">
              {report.gaps.length === 0
                ? t("data.noGaps")
                : t("data.gapSummary", { n: formatCount(report.gaps.length, locale), missing: formatCount(report.missing_bars, locale) })}
            </dd>
            <dt>{t("data.duplicates")}</dt>
            <dd>{formatCount(report.duplicates.length, locale)}</dd>
            <dt>{t("data.ohlc")}</dt>
            <dd>{formatCount(report.ohlc_violations.length, locale)}</dd>
            <dt>{t("data.offGrid")}</dt>
            <dd>{formatCount(report.misaligned.length, locale)}</dd>
            <dt>{t("data.marketDays")}</dt>
            <dd>
              {formatCount(report.market.length, locale)}
              {brokenDays > 0 ? <span className="neg"> · {t("data.brokenDays", { n: brokenDays })}</span> : null}
            </dd>
          </dl>
          {report.gaps.length > 0 ? (
            <ul className="gap-list">
              {report.gaps.slice(0, SHOWN).map((gap) => (
                <li key={gap.after}>
                  {t("data.gapLine", { after: formatTime(gap.after), before: formatTime(gap.before), n: formatCount(gap.missing_bars, locale) })}
                </li>
              ))}
              {report.gaps.length > SHOWN ? <li className="muted">{t("data.more", { n: report.gaps.length - SHOWN })}</li> : null}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Modal>
  );
}
