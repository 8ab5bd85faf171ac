/**
 * The market scanner (seed 002 §2): the qualified USDT-M perpetuals of the latest scan
 * (`GET /scanner`, polled) with their score, 24 h volume, spread, ATR(14, 15m) and 24 h
 * change, sortable (by score, best first, at first); "Trade" follows one with the chosen
 * strategy and timeframe through the pairs API; "Refresh now" scans at once; the
 * auto-universe switch lets each refresh follow the qualified pairs and drop the ones it
 * added that fell out. The symbols that did not qualify, and those the scan left out
 * with the reason, are listed collapsed.
 */
import { useCallback, useEffect, useMemo, useState } from "react";

import { createPair, getScanner, refreshScanner, setAutoUniverse } from "../api/client";
import type { PairInfo, ScannerRow, ScannerState, StrategyInfo } from "../api/types";
import { Notice } from "../components/Notice";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { isAbort, messageOf } from "../lib/errors";
import { formatNumber, formatPrice, formatSignedPercent, formatTime } from "../lib/format";
import { TIMEFRAMES } from "../lib/market";

/** How often the card reads the latest scan (the server refreshes every 60 s). */
export const SCANNER_POLL_MS = 10_000;

type SortKey = "symbol" | "score" | "volume_24h" | "spread_pct" | "atr_pct" | "price_change_pct";
interface Sort {
  key: SortKey;
  descending: boolean;
}

const COLUMNS: { key: SortKey; label: MessageKey; numeric: boolean }[] = [
  { key: "symbol", label: "col.pair", numeric: false },
  { key: "score", label: "scanner.score", numeric: true },
  { key: "volume_24h", label: "scanner.volume", numeric: true },
  { key: "spread_pct", label: "scanner.spread", numeric: true },
  { key: "atr_pct", label: "scanner.atr", numeric: true },
  { key: "price_change_pct", label: "scanner.change", numeric: true },
];

function sortRows(rows: ScannerRow[], sort: Sort): ScannerRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    if (typeof x === "string" && typeof y === "string") return sign * x.localeCompare(y);
    return sign * ((Number(x ?? -Infinity) || 0) - (Number(y ?? -Infinity) || 0));
  });
}

function compact(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 2 }).format(value);
}

interface ScannerCardProps {
  strategies: StrategyInfo[] | null;
  /** The followed pairs (a pair already followed with the chosen strategy is not offered again). */
  pairs: PairInfo[] | null;
  /** Reload the pairs after the card changed them. */
  onPairsChange: () => void;
}

export function ScannerCard({ strategies, pairs, onPairsChange }: ScannerCardProps) {
  const { t, locale } = useI18n();
  const [state, setState] = useState<ScannerState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sort, setSort] = useState<Sort>({ key: "score", descending: true });
  const [strategy, setStrategy] = useState("");
  const [timeframe, setTimeframe] = useState("15m");
  const [tick, setTick] = useState(0);
  // The switch's new position, shown at once; dropped when the scanner's answer arrives.
  const [switching, setSwitching] = useState<boolean | null>(null);
  useEffect(() => setSwitching(null), [state]);

  useEffect(() => {
    const controller = new AbortController();
    getScanner(controller.signal)
      .then((next) => {
        setState(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setError(messageOf(reason));
      });
    const timer = window.setTimeout(() => setTick((n) => n + 1), SCANNER_POLL_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [tick]);

  // The auto universe's strategy and timeframe are the first choice; a choice made stays.
  useEffect(() => {
    if (strategy || !state || !strategies?.length) return;
    const preferred = strategies.find((s) => s.name === state.auto_strategy) ?? strategies[0];
    if (preferred) setStrategy(preferred.name);
    setTimeframe(state.auto_timeframe);
  }, [state, strategies, strategy]);

  const followed = useMemo(() => new Set(pairs?.map((p) => `${p.symbol}/${p.strategy}`) ?? []), [pairs]);
  const result = state?.result ?? null;
  const qualified = useMemo(() => sortRows(result?.rows.filter((row) => row.qualified) ?? [], sort), [result, sort]);
  const others = result?.rows.filter((row) => !row.qualified) ?? [];

  // Every action shows its outcome: the scanner's new state when it returns one, else a
  // reload. A failed refresh is shown by the state's `last_error` (`quiet`), others here.
  const act = useCallback(
    (action: () => Promise<ScannerState | null>, pairsChange: boolean, quiet = false) => {
      setBusy(true);
      setError(null);
      action()
        .then((next) => {
          if (next !== null) setState(next);
        })
        .catch((reason: unknown) => {
          if (!quiet) setError(messageOf(reason));
          setTick((n) => n + 1);
        })
        .finally(() => {
          setBusy(false);
          if (pairsChange) onPairsChange();
        });
    },
    [onPairsChange],
  );

  function follow(symbol: string): Promise<null> {
    return createPair({ symbol, strategy, timeframe, params: {}, enabled: true }).then(() => null);
  }

  function onSort(key: SortKey) {
    setSort((current) => (current.key === key ? { key, descending: !current.descending } : { key, descending: key !== "symbol" }));
  }

  const status = !state
    ? null
    : !state.enabled
      ? t("scanner.disabled")
      : state.active
        ? t("scanner.active", { seconds: state.refresh_seconds })
        : t("scanner.idle");

  return (
    <section className="card" aria-labelledby="scanner-title" data-testid="scanner-card">
      <div className="card-head">
        <h2 id="scanner-title">
          {t("scanner.title")} <span className="muted small">{t("scanner.hint")}</span>
        </h2>
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => act(refreshScanner, true, true)} data-testid="scanner-refresh">
          {busy ? t("scanner.refreshing") : t("scanner.refresh")}
        </button>
      </div>
      {state === null && error === null ? <p className="muted">{t("scanner.loading")}</p> : null}
      {state !== null ? (
        <div className="scanner-status">
          <p className="muted small" data-testid="scanner-status">
            {status}{" "}
            {result ? (
              <span data-testid="scanner-last">
                {t("scanner.last", {
                  time: formatTime(result.taken_at),
                  universe: result.universe,
                  candidates: result.candidates,
                  qualified: result.qualified,
                  weight: result.weight_used,
                })}
              </span>
            ) : (
              <span data-testid="scanner-none">{t("scanner.none")}</span>
            )}
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={switching ?? state.auto_universe}
              disabled={busy}
              onChange={(event) => {
                const enabled = event.target.checked;
                setSwitching(enabled);
                act(() => setAutoUniverse(enabled), true);
              }}
              data-testid="scanner-auto"
            />
            <span>
              {t("scanner.auto", { strategy: state.auto_strategy, timeframe: state.auto_timeframe, max: state.auto_max_pairs })}
            </span>
          </label>
          {state.auto_pairs.length > 0 ? (
            <p className="muted small" data-testid="scanner-auto-pairs">
              {t("scanner.autoPairs", { pairs: state.auto_pairs.join(", ") })}
            </p>
          ) : null}
        </div>
      ) : null}
      {state?.last_error ? (
        <Notice kind="error" testId="scanner-last-error">
          {t("scanner.failed", { error: state.last_error })}
        </Notice>
      ) : null}
      {error !== null ? (
        <Notice kind="error" testId="scanner-error">
          {error}
        </Notice>
      ) : null}
      {result ? (
        <>
          <div className="inline-field scanner-trade">
            <span>{t("scanner.tradeWith")}</span>
            <select value={strategy} onChange={(e) => setStrategy(e.target.value)} aria-label={t("form.strategy")} data-testid="scanner-strategy">
              {strategies?.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
            <select value={timeframe} onChange={(e) => setTimeframe(e.target.value)} aria-label={t("form.timeframe")} data-testid="scanner-timeframe">
              {TIMEFRAMES.map((tf) => (
                <option key={tf} value={tf}>
                  {tf}
                </option>
              ))}
            </select>
          </div>
          <div className="table-scroll">
            <table className="table table-compact" data-testid="scanner-table">
              <thead>
                <tr>
                  {COLUMNS.map((column) => (
                    <th
                      key={column.key}
                      scope="col"
                      className={column.numeric ? "num" : undefined}
                      aria-sort={sort.key === column.key ? (sort.descending ? "descending" : "ascending") : "none"}
                    >
                      <button type="button" className="link-button" onClick={() => onSort(column.key)} data-testid={`scanner-sort-${column.key}`}>
                        {t(column.label)}
                        {sort.key === column.key ? (sort.descending ? " ▼" : " ▲") : ""}
                      </button>
                    </th>
                  ))}
                  <th scope="col">{t("col.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {qualified.length === 0 ? (
                  <tr>
                    <td colSpan={COLUMNS.length + 1} className="empty muted" data-testid="scanner-empty">
                      {t("scanner.noneQualified", { score: result.params.min_score })}
                    </td>
                  </tr>
                ) : (
                  qualified.map((row) => {
                    const taken = followed.has(`${row.symbol}/${strategy}`);
                    return (
                      <tr key={row.symbol} data-testid="scanner-row" data-symbol={row.symbol} data-score={row.score ?? ""}>
                        <td className="strong" title={formatPrice(row.price, locale)}>
                          {row.symbol}
                        </td>
                        <td className="num score-cell">
                          <span className="score-meter" aria-hidden="true">
                            <span style={{ width: `${Math.min(100, Math.max(0, row.score ?? 0))}%` }} />
                          </span>
                          {formatNumber(row.score, locale, 1)}
                        </td>
                        <td className="num" title={formatNumber(row.volume_24h, locale, 0)}>
                          {compact(row.volume_24h, locale)}
                        </td>
                        <td className="num">{formatNumber(row.spread_pct, locale, 4)}</td>
                        <td className="num">{formatNumber(row.atr_pct, locale, 3)}</td>
                        <td className={`num ${row.price_change_pct >= 0 ? "pos" : "neg"}`}>
                          {formatSignedPercent(row.price_change_pct, locale)}
                        </td>
                        <td>
                          <button
                            type="button"
                            className="btn btn-small btn-primary"
                            disabled={busy || taken || !strategy}
                            aria-label={t("scanner.tradeOf", { pair: row.symbol, strategy })}
                            onClick={() => act(() => follow(row.symbol), true)}
                            data-testid="scanner-trade"
                          >
                            {taken ? t("scanner.following") : t("scanner.trade")}
                          </button>
                        </td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
          {others.length > 0 ? (
            <details className="params-collapsible scanner-more" data-testid="scanner-others">
              <summary>{t("scanner.notQualified", { n: others.length })}</summary>
              <ul className="reason-list">
                {others.map((row) => (
                  <li key={row.symbol} data-symbol={row.symbol}>
                    <span className="strong">{row.symbol}</span>
                    {row.score !== null ? ` (${formatNumber(row.score, locale, 1)})` : ""}: {row.reasons.join("; ")}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {result.left_out.length > 0 ? (
            <details className="params-collapsible scanner-more" data-testid="scanner-left-out">
              <summary>{t("scanner.leftOut", { n: result.left_out.length })}</summary>
              <ul className="reason-list">
                {result.left_out.map((item) => (
                  <li key={`${item.symbol}/${item.reason}`} data-symbol={item.symbol}>
                    <span className="strong">{item.symbol}</span>: {item.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
