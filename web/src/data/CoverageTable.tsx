/**
 * Stored candles per symbol and timeframe: span, bars, holes (the largest listed on
 * hover and on demand), the timeframes resampled from 1m, funding coverage; each row can
 * be checked for integrity or have a range deleted.
 */
import type { SymbolCoverage, TimeframeCoverage } from "../api/types";
import { TableNoticeRow } from "../components/TableNoticeRow";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount, formatTime } from "../lib/format";

interface CoverageTableProps {
  coverage: SymbolCoverage[] | null;
  onCheck: (symbol: string, timeframe: string) => void;
  onDelete: (symbol: string, row: TimeframeCoverage) => void;
}

const COLUMNS = 8;

function GapsCell({ row }: { row: TimeframeCoverage }) {
  const { t, locale } = useI18n();
  if (row.gap_count === 0) return <span className="muted">{t("data.noGaps")}</span>;
  const lines = row.largest_gaps.map((gap) =>
    t("data.gapLine", { after: formatTime(gap.after), before: formatTime(gap.before), n: formatCount(gap.missing_bars, locale) }),
  );
  const summary = t("data.gapSummary", { n: formatCount(row.gap_count, locale), missing: formatCount(row.missing_bars, locale) });
  return (
    <details className="gap-details" data-testid="coverage-gaps">
      <summary title={lines.join("\n")}>{summary}</summary>
      <ul className="gap-list">
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </details>
  );
}

function FundingCell({ entry }: { entry: SymbolCoverage }) {
  const { t, locale } = useI18n();
  const funding = entry.funding;
  if (!funding) return <span className="muted">—</span>;
  const records = t("data.fundingRecords", { n: formatCount(funding.records, locale) });
  if (funding.expected === 0) return <span>{records}</span>;
  const missing = funding.missing_first.map(formatTime).join("\n");
  return (
    <span title={missing || undefined}>
      {records}
      {" · "}
      {funding.missing === 0 ? (
        <span className="pos">{t("data.fundingComplete")}</span>
      ) : (
        <span className="neg">{t("data.fundingMissing", { n: formatCount(funding.missing, locale), of: formatCount(funding.expected, locale) })}</span>
      )}
    </span>
  );
}

export function CoverageTable({ coverage, onCheck, onDelete }: CoverageTableProps) {
  const { t, locale } = useI18n();
  const withCandles = (coverage ?? []).filter((entry) => entry.timeframes.length > 0 || entry.errors.length > 0);
  return (
    <div className="table-scroll">
      <table className="table" data-testid="coverage-table">
        <thead>
          <tr>
            <th scope="col">{t("data.symbol")}</th>
            <th scope="col">{t("data.timeframe")}</th>
            <th scope="col">{t("data.first")}</th>
            <th scope="col">{t("data.last")}</th>
            <th scope="col" className="num">{t("data.bars")}</th>
            <th scope="col">{t("data.gaps")}</th>
            <th scope="col">{t("data.funding")}</th>
            <th scope="col">{t("col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {coverage === null ? <TableNoticeRow colSpan={COLUMNS} text={t("sim.loading")} /> : null}
          {coverage !== null && withCandles.length === 0 ? (
            <TableNoticeRow colSpan={COLUMNS} text={t("data.noCandles")} emptyTestId="coverage-empty" />
          ) : null}
          {withCandles.flatMap((entry) => [
            ...entry.timeframes.map((row, index) => (
              <tr key={`${entry.symbol}/${row.timeframe}`} data-testid={`coverage-row-${entry.symbol}-${row.timeframe}`}>
                <td>
                  <strong>{entry.symbol}</strong>
                </td>
                <td>
                  {row.timeframe}
                  {index === 0 && row.timeframe === "1m" && entry.resampled.length > 0 ? (
                    <span className="muted small resampled-note" title={entry.resampled.join(" ")}>
                      {" "}
                      {t("data.resampled", { n: entry.resampled.length })}
                    </span>
                  ) : null}
                </td>
                <td>{formatTime(row.first)}</td>
                <td>{formatTime(row.last)}</td>
                <td className="num" data-testid="coverage-bars">
                  {formatCount(row.bars, locale)}
                </td>
                <td>
                  <GapsCell row={row} />
                </td>
                <td>{index === 0 ? <FundingCell entry={entry} /> : null}</td>
                <td>
                  <div className="actions">
                    <button type="button" className="btn btn-small" onClick={() => onCheck(entry.symbol, row.timeframe)} data-testid="coverage-check">
                      {t("data.check")}
                    </button>
                    <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => onDelete(entry.symbol, row)} data-testid="coverage-delete">
                      {t("data.deleteRange")}
                    </button>
                  </div>
                </td>
              </tr>
            )),
            ...entry.errors.map((error) => (
              <tr key={`${entry.symbol}/error/${error}`}>
                <td>
                  <strong>{entry.symbol}</strong>
                </td>
                <td colSpan={COLUMNS - 1} className="neg">
                  {t("data.unreadable", { error })}
                </td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </div>
  );
}
