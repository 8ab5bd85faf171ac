/**
 * The recorded market-data stores, compact: one row per symbol and stream (days, span,
 * rows), the rows of each day on demand.
 */
import type { SymbolCoverage } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount } from "../lib/format";

interface StreamDays {
  symbol: string;
  stream: string;
  days: { day: string; rows: number; missing: number | null; error: string | null }[];
}

function byStream(coverage: SymbolCoverage[]): StreamDays[] {
  const groups = new Map<string, StreamDays>();
  for (const entry of coverage) {
    for (const day of entry.market) {
      const key = `${entry.symbol}/${day.stream}`;
      const group = groups.get(key) ?? { symbol: entry.symbol, stream: day.stream, days: [] };
      group.days.push({ day: day.day, rows: day.rows, missing: day.missing_ids ?? null, error: day.error ?? null });
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

export function MarketDays({ coverage }: { coverage: SymbolCoverage[] }) {
  const { t, locale } = useI18n();
  const groups = byStream(coverage);
  if (groups.length === 0) return <p className="muted" data-testid="market-empty">{t("data.noMarket")}</p>;
  return (
    <div className="table-scroll">
      <table className="table table-compact" data-testid="market-table">
        <thead>
          <tr>
            <th scope="col">{t("data.symbol")}</th>
            <th scope="col">{t("data.stream")}</th>
            <th scope="col">{t("data.days")}</th>
            <th scope="col" className="num">{t("data.rows")}</th>
            <th scope="col">{t("data.perDay")}</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => {
            const first = group.days[0]?.day ?? "—";
            const last = group.days[group.days.length - 1]?.day ?? "—";
            const rows = group.days.reduce((sum, day) => sum + day.rows, 0);
            const broken = group.days.filter((day) => day.error !== null).length;
            return (
              <tr key={`${group.symbol}/${group.stream}`}>
                <td>{group.symbol}</td>
                <td>{group.stream}</td>
                <td>
                  {t("data.dayRange", { n: group.days.length, first, last })}
                  {broken > 0 ? <span className="neg"> · {t("data.brokenDays", { n: broken })}</span> : null}
                </td>
                <td className="num">{formatCount(rows, locale)}</td>
                <td>
                  <details>
                    <summary>{t("data.showDays")}</summary>
                    <ul className="gap-list">
                      {group.days.map((day) => (
                        <li key={day.day}>
                          {day.day}: {day.error !== null ? <span className="neg">{t("data.unreadableDay")}</span> : formatCount(day.rows, locale)}
                          {day.missing ? <span className="neg"> · {t("data.missingIds", { n: formatCount(day.missing, locale) })}</span> : null}
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
