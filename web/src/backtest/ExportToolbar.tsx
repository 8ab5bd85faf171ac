/**
 * Export and provenance of one backtest result (the details modal): downloads of
 * its trades (CSV), the stored result (JSON) and the price chart (PNG), the CLI
 * command that reproduces the run (copied to the clipboard, also shown read-only),
 * and where the result came from — the settings and symbol rules used, the bars it
 * covered, the data source and the result hash.
 */
import { useEffect, useRef, useState } from "react";

import { getToken } from "../api/auth";
import { CLIENT_HEADER } from "../api/http";
import type { BacktestResult, FundingModel, PropertiesSchema, RiskSchema } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount, formatNumber, formatTime } from "../lib/format";
import { useDegradedLines } from "../lib/reasons";
import { exactDecimals, usePropertiesSchema } from "./PropertiesSection";
import { useRiskSchema } from "./RiskOverrides";

/** The result's fields the public schema leaves untyped (`extra="allow"`). */
interface Provenance {
  requested_start?: string;
  requested_end?: string;
  partial?: boolean;
  first_bar?: string;
  last_bar?: string;
}

function provenanceOf(result: BacktestResult): Provenance {
  return result as unknown as Provenance;
}

/** A CLI value: as typed on a command line (quoted for a POSIX shell when needed). */
function cliValue(value: unknown): string {
  const text = typeof value === "boolean" ? String(value) : typeof value === "string" ? value : JSON.stringify(value);
  return /^[A-Za-z0-9_.:+=,@%/-]*$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** `2025-06-17T00:00:00Z` → `2025-06-17`; any other time stays as it is. */
function cliTime(iso: string): string {
  const midnight = /^(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?(?:Z|\+00:00)$/.exec(iso);
  return midnight?.[1] ?? iso;
}

/** Each run property's flag on `scalplab backtest`. */
const PROPERTY_FLAGS: Record<string, string> = {
  initial_capital: "--capital",
  risk_per_trade_pct: "--risk-pct",
  max_leverage: "--leverage",
  maker_fee_pct: "--maker-fee-pct",
  taker_fee_pct: "--taker-fee-pct",
  slippage_pct: "--slippage-pct",
  funding_rate: "--funding-rate",
};

/** The funding model a result used (a result stored before funding models: `recorded`). */
function fundingModelOf(settings: Record<string, unknown>): FundingModel {
  const model = settings.funding_model;
  return model === "fixed" || model === "none" ? model : "recorded";
}

/** The property flags of the values `result` ran with that differ from the environment's. */
function propertyFlags(result: BacktestResult, properties: PropertiesSchema): string[] {
  const settings = (result.settings ?? {}) as Record<string, unknown>;
  const model = fundingModelOf(settings);
  const flags: string[] = [];
  for (const field of properties.fields) {
    const flag = PROPERTY_FLAGS[field.name];
    if (flag === undefined || (field.name === "funding_rate" && model === "none")) continue;
    const value = settings[field.name === "funding_rate" ? "default_funding_rate" : field.name];
    if (typeof value === "number" && value !== field.default) flags.push(`${flag} ${cliValue(value)}`);
  }
  if (model !== properties.funding_model) flags.push(`--funding ${model}`);
  return flags;
}

/**
 * `scalplab backtest …` reproducing `result`: its pair, strategy, timeframe, the range
 * asked for, every param, the risk settings that differ from the environment's
 * (`schema.defaults`), `--no-breakers` when the run had every breaker off, the
 * properties (capital, fees, funding, …) that differ from the environment's
 * (`properties`), `--allow-partial` for a partial run and `--degraded` for a degraded one.
 */
export function cliCommand(result: BacktestResult, schema: RiskSchema | null, properties: PropertiesSchema | null = null): string {
  const extra = provenanceOf(result);
  const parts = [
    "scalplab backtest",
    `--pair ${cliValue(result.pair)}`,
    `--strategy ${cliValue(result.strategy)}`,
    `--tf ${cliValue(result.timeframe)}`,
    `--start ${cliValue(cliTime(extra.requested_start ?? result.start))}`,
    `--end ${cliValue(cliTime(extra.requested_end ?? result.end))}`,
  ];
  for (const [key, value] of Object.entries(result.params ?? {})) parts.push(`--param ${cliValue(`${key}=${cliValue(value)}`)}`);
  const risk = result.risk as unknown as Record<string, unknown> | null | undefined;
  if (risk && schema) {
    const defaults = schema.defaults as unknown as Record<string, unknown>;
    const switchable = schema.breakers.filter((breaker) => breaker !== "min_rr").map((breaker) => `${breaker}_enabled`);
    const allOff = switchable.every((flag) => risk[flag] === false);
    const noBreakers = allOff && switchable.some((flag) => defaults[flag] === true);
    for (const field of schema.fields) {
      if (!(field.name in risk)) continue;
      if (noBreakers && switchable.includes(field.name)) continue;
      if (risk[field.name] !== defaults[field.name]) parts.push(`--risk ${field.name}=${cliValue(risk[field.name])}`);
    }
    if (noBreakers) parts.push("--no-breakers");
  }
  if (properties) parts.push(...propertyFlags(result, properties));
  if (extra.partial === true) parts.push("--allow-partial");
  if ((result.degraded ?? []).length > 0) parts.push("--degraded");
  return parts.join(" ");
}

/** The file name a `Content-Disposition: attachment; filename="…"` names. */
function dispositionName(header: string | null, fallback: string): string {
  const match = header ? /filename="?([^";]+)"?/.exec(header) : null;
  return match?.[1] ?? fallback;
}

function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The chart's canvases (lightweight-charts draws panes and axes on several) as one PNG. */
async function chartPng(chart: HTMLElement): Promise<Blob | null> {
  const box = chart.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;
  const out = document.createElement("canvas");
  out.width = Math.round(box.width * ratio);
  out.height = Math.round(box.height * ratio);
  const context = out.getContext("2d");
  if (!context) return null;
  context.fillStyle = "#0d1117";
  context.fillRect(0, 0, out.width, out.height);
  for (const canvas of chart.querySelectorAll("canvas")) {
    const rect = canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    context.drawImage(canvas, (rect.left - box.left) * ratio, (rect.top - box.top) * ratio, rect.width * ratio, rect.height * ratio);
  }
  return new Promise((resolve) => out.toBlob(resolve, "image/png"));
}

type Status = { kind: "copied" | "error"; text: string } | null;

export function ExportToolbar({ backtestId, result }: { backtestId: string; result: BacktestResult }) {
  const { t } = useI18n();
  const self = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const { schema } = useRiskSchema();
  const { schema: properties } = usePropertiesSchema();
  const [status, setStatus] = useState<Status>(null);

  useEffect(() => {
    if (status?.kind !== "copied") return undefined;
    const timer = window.setTimeout(() => setStatus(null), 4000);
    return () => window.clearTimeout(timer);
  }, [status]);

  const base = `/backtests/${encodeURIComponent(backtestId)}`;
  const stem = `${result.pair}_${result.strategy}_${result.timeframe}_${backtestId}`;
  const command = cliCommand(result, schema, properties);

  /** With a session token, download through `fetch` so the request carries it. */
  const download = (path: string, fallback: string) => (event: React.MouseEvent<HTMLAnchorElement>) => {
    const token = getToken();
    if (token === null) return; // the link downloads by itself
    event.preventDefault();
    const headers: Record<string, string> = { [CLIENT_HEADER]: "1", Authorization: `Bearer ${token}` };
    fetch(path, { headers })
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        saveBlob(await response.blob(), dispositionName(response.headers.get("Content-Disposition"), fallback));
      })
      .catch((reason: unknown) => setStatus({ kind: "error", text: t("export.failed", { error: String(reason) }) }));
  };

  const exportChart = () => {
    const chart = self.current?.closest('[data-testid="details-modal"]')?.querySelector<HTMLElement>('[data-testid="price-chart"]');
    if (!chart) {
      setStatus({ kind: "error", text: t("export.noChart") });
      return;
    }
    void chartPng(chart).then((blob) => {
      if (blob) saveBlob(blob, `${stem}_chart.png`);
      else setStatus({ kind: "error", text: t("export.noChart") });
    });
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
    } catch {
      field.current?.select();
      if (!document.execCommand("copy")) {
        setStatus({ kind: "error", text: t("export.copyFailed") });
        return;
      }
    }
    setStatus({ kind: "copied", text: t("export.copied") });
  };

  return (
    <section aria-labelledby="sec-export" data-testid="export-toolbar" ref={self}>
      <h3 id="sec-export">{t("section.export")}</h3>
      <div className="toolbar" style={{ flexWrap: "wrap", alignItems: "center" }}>
        <a className="btn" style={{ textDecoration: "none" }} href={`${base}/trades.csv`} download={`${stem}_trades.csv`} onClick={download(`${base}/trades.csv`, `${stem}_trades.csv`)} data-testid="export-csv">
          {t("export.csv")}
        </a>
        <a className="btn" style={{ textDecoration: "none" }} href={`${base}/result.json`} download={`${stem}_result.json`} onClick={download(`${base}/result.json`, `${stem}_result.json`)} data-testid="export-json">
          {t("export.json")}
        </a>
        <button type="button" className="btn" onClick={exportChart} data-testid="export-png">
          {t("export.png")}
        </button>
        <button type="button" className="btn" onClick={() => void copy()} data-testid="copy-cli">
          {t("export.copyCli")}
        </button>
        {status ? (
          <span role="status" className={status.kind === "copied" ? "pos small" : "neg small"} data-testid={status.kind === "copied" ? "cli-copied" : "export-error"}>
            {status.text}
          </span>
        ) : null}
      </div>
      <label className="field" style={{ marginTop: "0.5rem" }}>
        {t("export.cliLabel")}
        <input ref={field} type="text" readOnly value={command} onFocus={(event) => event.currentTarget.select()} data-testid="cli-command" spellCheck={false} />
      </label>
    </section>
  );
}

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <tr data-testid={testId}>
      <th scope="row" className="nowrap">
        {label}
      </th>
      <td style={{ overflowWrap: "anywhere" }}>{children}</td>
    </tr>
  );
}

function pairsText(values: Record<string, unknown> | null | undefined, skip: string[] = []): string {
  const entries = Object.entries(values ?? {}).filter(([key]) => !skip.includes(key));
  return entries.length === 0 ? "—" : entries.map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`).join(" · ");
}

/** The funding model a run used, with its rate unless it paid none. */
function useFundingText(): (result: BacktestResult) => string {
  const { t, locale } = useI18n();
  return (result) => {
    const settings = (result.settings ?? {}) as Record<string, unknown>;
    if (Object.keys(settings).length === 0) return "—";
    const model = fundingModelOf(settings);
    const rate = settings.default_funding_rate;
    const shown = typeof rate === "number" ? t("prov.fundingRate", { rate: formatNumber(rate, locale, exactDecimals(rate)) }) : null;
    return model === "none" || shown === null ? t(`funding.${model}`) : `${t(`funding.${model}`)} · ${shown}`;
  };
}

/** Where the result came from: settings and symbol rules used, bars covered, data source, hash. */
export function ProvenanceView({ result }: { result: BacktestResult }) {
  const { t, locale } = useI18n();
  const fundingText = useFundingText();
  const extra = provenanceOf(result);
  const rules = (result.symbol_rules ?? null) as Record<string, unknown> | null;
  const degradedLines = useDegradedLines();
  const degraded = degradedLines(result.degraded, result.degraded_codes);
  const requested = extra.requested_start && extra.requested_end ? `${formatTime(extra.requested_start)} → ${formatTime(extra.requested_end)}` : null;
  return (
    <section aria-labelledby="sec-provenance" data-testid="provenance">
      <h3 id="sec-provenance">{t("section.provenance")}</h3>
      <div className="table-scroll">
        <table className="table table-compact">
          <tbody>
            <Row label={t("prov.hash")}>
              <code data-testid="result-hash">{result.result_hash ?? "—"}</code>
            </Row>
            <Row label={t("prov.source")} testId="prov-source">
              {t("prov.store", { pair: result.pair, tf: result.timeframe })}
              {(result.feeds ?? []).length > 0 ? ` + ${(result.feeds ?? []).join(", ")}` : ""}
              {(result.market_data ?? []).length > 0 ? ` · ${t("prov.marketData")}: ${(result.market_data ?? []).join(", ")}` : ""}
            </Row>
            <Row label={t("prov.degraded")} testId="prov-degraded">
              {degraded.length > 0 ? degraded.join("; ") : t("prov.notDegraded")}
            </Row>
            <Row label={t("prov.bars")} testId="prov-bars">
              {extra.first_bar ? `${formatTime(extra.first_bar)} → ${formatTime(extra.last_bar)}` : "—"}
              {result.metrics.bars != null ? ` · ${t("prov.barCount", { n: formatCount(result.metrics.bars, locale) })}` : ""}
              {extra.partial === true ? ` · ${t("prov.partial", { range: requested ?? "—" })}` : ""}
            </Row>
            <Row label={t("prov.settings")} testId="prov-settings">
              {pairsText(result.settings)}
            </Row>
            <Row label={t("prov.funding")} testId="prov-funding">
              {fundingText(result)}
            </Row>
            <Row label={t("prov.symbolRules")} testId="prov-rules">
              {rules ? `${t("prov.rulesSource", { source: String(rules.source ?? "—") })} · ${pairsText(rules, ["source"])}` : "—"}
            </Row>
          </tbody>
        </table>
      </div>
    </section>
  );
}
