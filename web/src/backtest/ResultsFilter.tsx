/**
 * Above the results table: the text filter, one chip per tag in use (a click shows only
 * the results carrying it, again: all), how many rows are shown, and "Compare" for the
 * ticked results (2 to `MAX_COMPARED`).
 */
import type { BacktestSummary } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount } from "../lib/format";
import { MAX_COMPARED, tagsInUse } from "./resultsView";

interface ResultsFilterProps {
  rows: BacktestSummary[];
  shown: number;
  text: string;
  tag: string | null;
  selected: number;
  onText: (text: string) => void;
  onTag: (tag: string | null) => void;
  onCompare: () => void;
  onClearSelection: () => void;
}

export function ResultsFilter({ rows, shown, text, tag, selected, onText, onTag, onCompare, onClearSelection }: ResultsFilterProps) {
  const { t, locale } = useI18n();
  const tags = tagsInUse(rows);
  const canCompare = selected >= 2 && selected <= MAX_COMPARED;
  return (
    <div className="results-filter" data-testid="results-filter">
      <input
        type="search"
        value={text}
        onChange={(event) => onText(event.target.value)}
        aria-label={t("results.filter")}
        placeholder={t("results.filterPlaceholder")}
        data-testid="results-filter-text"
      />
      {tags.length > 0 ? (
        <div className="tag-chips" role="group" aria-label={t("results.tagsLabel")}>
          <span className="muted small">{t("results.tagsLabel")}</span>
          <button type="button" className={tag === null ? "chip chip-button active" : "chip chip-button"} aria-pressed={tag === null} onClick={() => onTag(null)}>
            {t("results.allTags")}
          </button>
          {tags.map((own) => {
            const active = tag !== null && tag.toLocaleLowerCase() === own.toLocaleLowerCase();
            return (
              <button
                key={own}
                type="button"
                className={active ? "chip chip-button active" : "chip chip-button"}
                aria-pressed={active}
                title={t("results.tagFilter", { tag: own })}
                onClick={() => onTag(active ? null : own)}
                data-testid="tag-chip"
              >
                {own}
              </button>
            );
          })}
        </div>
      ) : null}
      <span className="muted small" data-testid="results-shown">
        {t("results.shown", { shown: formatCount(shown, locale), n: formatCount(rows.length, locale) })}
      </span>
      <div className="toolbar results-compare">
        {selected > 0 ? (
          <button type="button" className="btn btn-small" onClick={onClearSelection}>
            {t("results.clearSelection")}
          </button>
        ) : null}
        <button type="button" className="btn btn-primary" disabled={!canCompare} title={t("results.compareHelp", { max: MAX_COMPARED })} onClick={onCompare} data-testid="compare-button">
          {t("results.compare", { n: selected })}
        </button>
      </div>
    </div>
  );
}
