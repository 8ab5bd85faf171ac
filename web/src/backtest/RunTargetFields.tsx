/**
 * The fields that say what a run is made on — pair (with its stored span),
 * strategy, timeframe and the date range — as the Backtest and Sweep forms show
 * them, over the state `useRunTarget` keeps. `dateNote` goes under the range (the
 * backtest form's clamp note or refusal); `datesInvalid` marks both date inputs.
 */
import type { ReactNode } from "react";

import type { MarketSymbol, StrategyInfo } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { StrategyField } from "../components/StrategyField";
import type { RunTarget } from "./useRunTarget";

interface RunTargetFieldsProps {
  target: RunTarget;
  symbols: MarketSymbol[];
  strategies: StrategyInfo[];
  /** Prefix of the inputs' ids (`bt`, `sw`). */
  idPrefix: string;
  disabled: boolean;
  /** The hint under the end date (days selected). */
  rangeHint: string;
  dateNote?: ReactNode;
  datesInvalid?: boolean;
}

export function RunTargetFields({ target, symbols, strategies, idPrefix, disabled, rangeHint, dateNote, datesInvalid }: RunTargetFieldsProps) {
  const { t } = useI18n();
  const { pair, selectPair, strategyName, strategy, selectStrategy } = target;
  const { timeframe, setTimeframe, start, setStart, end, setEnd, span, firstDay, lastDay, offeredTimeframes } = target;
  const id = (name: string) => `${idPrefix}-${name}`;
  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor={id("pair")}>{t("form.pair")}</label>
        <select
          id={id("pair")}
          value={pair}
          disabled={disabled}
          onChange={(event) => {
            const next = symbols.find((s) => s.symbol === event.target.value);
            if (next) selectPair(next);
          }}
        >
          {symbols.map((s) => (
            <option key={s.symbol} value={s.symbol}>
              {s.symbol}
            </option>
          ))}
        </select>
        {span ? (
          <small className="help" data-testid="data-span">
            {t("form.dataSpan", { first: firstDay ?? "—", last: lastDay ?? "—" })}
          </small>
        ) : null}
      </div>

      <StrategyField
        id={id("strategy")}
        strategies={strategies}
        value={strategyName}
        strategy={strategy}
        disabled={disabled}
        onSelect={selectStrategy}
      />

      <div className="field">
        <label htmlFor={id("timeframe")}>{t("form.timeframe")}</label>
        <select id={id("timeframe")} value={timeframe} disabled={disabled} onChange={(event) => setTimeframe(event.target.value)}>
          {offeredTimeframes.map((tf) => (
            <option key={tf} value={tf}>
              {tf}
            </option>
          ))}
        </select>
      </div>

      <div className="field">
        <label htmlFor={id("start")}>{t("form.start")}</label>
        <input
          id={id("start")}
          type="date"
          value={start}
          min={firstDay}
          max={lastDay}
          disabled={disabled}
          aria-invalid={datesInvalid || undefined}
          onChange={(event) => setStart(event.target.value)}
        />
      </div>

      <div className="field">
        <label htmlFor={id("end")}>{t("form.end")}</label>
        <input
          id={id("end")}
          type="date"
          value={end}
          min={firstDay}
          max={lastDay}
          disabled={disabled}
          aria-invalid={datesInvalid || undefined}
          aria-describedby={id("range-hint")}
          onChange={(event) => setEnd(event.target.value)}
        />
        <small id={id("range-hint")} className="help">
          {rangeHint}
        </small>
        {dateNote}
      </div>
    </div>
  );
}
