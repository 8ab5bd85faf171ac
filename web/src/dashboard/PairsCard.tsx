/**
 * The followed pairs: a form to add one (symbol, strategy, timeframe and the
 * strategy's parameters, generated from its metadata like the Backtest form)
 * and the list with enable / remove per pair. A symbol may be followed by
 * several strategies, each (symbol, strategy) once; pairs are changed by id.
 */
import { useEffect, useMemo, useState, type FormEvent } from "react";

import { createPair, deletePair, setPairEnabled } from "../api/client";
import type { PairInfo } from "../api/types";
import { ParamFields } from "../backtest/ParamField";
import type { Catalog } from "../backtest/useCatalog";
import { DEFAULT_TIMEFRAME, useStrategyChoice } from "../backtest/useRunTarget";
import { Notice } from "../components/Notice";
import { ProblemList } from "../components/ProblemList";
import { StrategyField } from "../components/StrategyField";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatParams } from "../lib/format";
import { timeframesOf } from "../lib/market";
import { parseFieldValues, type FieldProblem } from "../lib/params";
import { TableNoticeRow } from "../components/TableNoticeRow";

interface PairsCardProps {
  catalog: Catalog;
  /** The followed pairs (null while loading). */
  pairs: PairInfo[] | null;
  /** Reload the pairs after a change (the engine's pairs follow the list). */
  onChange: () => void;
}

export function PairsCard({ catalog, pairs, onChange }: PairsCardProps) {
  const { t } = useI18n();
  const { symbols, strategies } = catalog;
  const [symbol, setSymbol] = useState("");
  const { strategyName, strategy, selectStrategy, fields, setFields } = useStrategyChoice(strategies);
  const [timeframe, setTimeframe] = useState(DEFAULT_TIMEFRAME);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Enabled flags being changed (by pair id), shown at once; dropped when the reloaded list arrives.
  const [toggled, setToggled] = useState<Record<number, boolean>>({});
  useEffect(() => setToggled({}), [pairs]);

  // The base strategy is preselected, and (on load and after each change of the list) the
  // first symbol that strategy does not trade yet; a choice the user makes stays.
  const followed = useMemo(() => new Set(pairs?.map((p) => `${p.symbol}/${p.strategy}`) ?? []), [pairs]);
  const isFollowed = (sym: string, name: string) => followed.has(`${sym}/${name}`);
  useEffect(() => {
    if (!symbols?.length || (symbol && !isFollowed(symbol, strategyName))) return;
    const free = symbols.find((s) => !isFollowed(s.symbol, strategyName));
    if (free) setSymbol(free.symbol);
    else if (!symbol) setSymbol(symbols[0]?.symbol ?? "");
  }, [symbols, followed]);
  const offeredTimeframes = timeframesOf(symbols?.find((s) => s.symbol === symbol));
  const taken = Boolean(symbol && strategyName && isFollowed(symbol, strategyName));

  function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    action()
      .catch((reason: unknown) => setError(t("pairs.actionError", { error: messageOf(reason) })))
      .finally(() => {
        setBusy(false);
        onChange();
      });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!strategy || !symbol) return;
    const parsed = parseFieldValues(strategy.params, fields);
    setProblems(parsed.problems);
    if (parsed.problems.length > 0) return;
    run(() => createPair({ symbol, strategy: strategy.name, timeframe, params: parsed.values, enabled: true }));
  }

  const loading = symbols === null || strategies === null;

  return (
    <section className="card" aria-labelledby="pairs-title" data-testid="pairs-card">
      <h2 id="pairs-title">{t("pairs.title")}</h2>
      {loading ? <p className="muted">{t("form.loading")}</p> : null}
      {!loading ? (
        <form onSubmit={onSubmit} noValidate data-testid="pair-form">
          <div className="form-grid">
            <div className="field">
              <label htmlFor="pair-symbol">{t("form.pair")}</label>
              <select id="pair-symbol" value={symbol} disabled={busy || !symbols?.length} onChange={(e) => setSymbol(e.target.value)}>
                {symbols?.map((s) => (
                  <option key={s.symbol} value={s.symbol}>
                    {s.symbol}
                  </option>
                ))}
              </select>
              {taken ? (
                <small className="help" data-testid="pair-taken">
                  {t("pairs.taken", { pair: symbol, strategy: strategyName })}
                </small>
              ) : null}
            </div>
            <StrategyField
              id="pair-strategy"
              strategies={strategies ?? []}
              value={strategyName}
              strategy={strategy}
              disabled={busy}
              onSelect={selectStrategy}
            />
            <div className="field">
              <label htmlFor="pair-timeframe">{t("form.timeframe")}</label>
              <select id="pair-timeframe" value={timeframe} disabled={busy} onChange={(e) => setTimeframe(e.target.value)}>
                {offeredTimeframes.map((tf) => (
                  <option key={tf} value={tf}>
                    {tf}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {strategy && strategy.params.length > 0 ? (
            <details className="params params-collapsible" data-testid="pair-params">
              <summary>{t("form.params")}</summary>
              <div className="form-grid">
                <ParamFields strategy={strategy} fields={fields} setFields={setFields} disabled={busy} idPrefix="pair-param" />
              </div>
            </details>
          ) : null}
          <ProblemList problems={problems} testId="pair-form-errors" />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy || !strategy || !symbol || taken} data-testid="add-pair">
              {t("pairs.add")}
            </button>
          </div>
        </form>
      ) : null}

      {error !== null ? (
        <Notice kind="error" testId="pairs-error">
          {error}
        </Notice>
      ) : null}

      <div className="table-scroll">
        <table className="table" data-testid="pairs-table">
          <thead>
            <tr>
              <th scope="col">{t("col.pair")}</th>
              <th scope="col">{t("col.strategy")}</th>
              <th scope="col">{t("col.timeframe")}</th>
              <th scope="col">{t("col.params")}</th>
              <th scope="col">{t("pairs.enabled")}</th>
              <th scope="col">{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {pairs === null ? (
              <TableNoticeRow colSpan={6} text={t("pairs.loading")} />
            ) : pairs.length === 0 ? (
              <TableNoticeRow colSpan={6} text={t("pairs.empty")} emptyTestId="pairs-empty" />
            ) : (
              pairs.map((pair) => (
                <tr key={pair.id} data-testid="pair-row" data-symbol={pair.symbol} data-strategy={pair.strategy} data-pair-id={pair.id}>
                  <td className="strong">{pair.symbol}</td>
                  <td>{pair.strategy}</td>
                  <td>{pair.timeframe}</td>
                  <td className="params-cell" title={formatParams(pair.params)}>
                    {formatParams(pair.params) || <span className="muted">{t("params.defaults")}</span>}
                  </td>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={toggled[pair.id] ?? pair.enabled}
                        disabled={busy}
                        aria-label={t("pairs.enabledOf", { pair: `${pair.symbol} · ${pair.strategy}` })}
                        onChange={(e) => {
                          const enabled = e.target.checked;
                          setToggled((current) => ({ ...current, [pair.id]: enabled }));
                          run(() => setPairEnabled(pair.id, enabled));
                        }}
                      />
                    </label>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      disabled={busy}
                      aria-label={t("pairs.removeOf", { pair: `${pair.symbol} · ${pair.strategy}` })}
                      onClick={() => run(() => deletePair(pair.id))}
                    >
                      {t("pairs.remove")}
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
