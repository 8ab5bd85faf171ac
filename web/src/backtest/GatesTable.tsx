/**
 * Seed 002's go-live gates (§12.3) as a table: per gate its threshold and, for each set
 * of gates given (a backtest's own, or a walk-forward's out-of-sample and in-sample
 * ones), the value and a ✓ / ✗ mark. Trades per day is shown without a verdict, and
 * paper trading is listed as "not checked here" (a backtest cannot measure it). Each
 * value's title is how the server computed it, translated from its note's code
 * (`gateNote.<code>`; the server's English note for a result stored before codes).
 */
import type { GateCheck } from "../api/types";
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n } from "../i18n/I18nProvider";
import { formatNumber, formatPercent } from "../lib/format";
import { useCodedText } from "../lib/reasons";

export interface GateSet {
  /** `data-set` of the set's cells (`own`, `oos`, `is`). */
  key: string;
  /** Column heading of the set's value (the single set of a backtest: "Value"). */
  label: string;
  gates: GateCheck[];
}

const PERCENT = new Set(["win_rate", "max_drawdown_pct"]);
const COUNTS = new Set(["max_consecutive_losses", "sample_size"]);

function formatGateValue(gate: GateCheck, locale: string): string {
  const value = gate.value;
  if (value === null || value === undefined) return gate.name === "profit_factor" && gate.passed === true ? "∞" : "—";
  if (PERCENT.has(gate.name)) return formatPercent(value, locale, 1);
  if (COUNTS.has(gate.name)) return formatNumber(value, locale, Number.isInteger(value) ? 0 : 1);
  return formatNumber(value, locale);
}

function formatThreshold(gate: GateCheck, locale: string, paper: string): string {
  if (gate.op === "unchecked") return paper;
  if (gate.threshold === null || gate.threshold === undefined || gate.op === "info") return "—";
  const value = PERCENT.has(gate.name) ? formatPercent(gate.threshold, locale, 0) : formatNumber(gate.threshold, locale, Number.isInteger(gate.threshold) && COUNTS.has(gate.name) ? 0 : 1);
  return `${gate.op} ${value}`;
}

/** How many gates with a verdict passed, of how many. */
export function gateTally(gates: readonly GateCheck[]): { passed: number; total: number } {
  const judged = gates.filter((gate) => gate.op === ">" || gate.op === "<");
  return { passed: judged.filter((gate) => gate.passed === true).length, total: judged.length };
}

function Mark({ gate }: { gate: GateCheck | undefined }) {
  const { t } = useI18n();
  if (gate === undefined) return <span className="muted">—</span>;
  if (gate.op === "unchecked") return <span className="muted small nowrap">{t("gate.notChecked")}</span>;
  if (gate.passed === null || gate.passed === undefined) return <span className="muted">—</span>;
  return gate.passed ? (
    <span className="pos" aria-label={t("gate.pass")}>
      ✓
    </span>
  ) : (
    <span className="neg" aria-label={t("gate.fail")}>
      ✗
    </span>
  );
}

export function GatesTable({ sets, testId }: { sets: GateSet[]; testId: string }) {
  const { t, locale } = useI18n();
  const noteText = useCodedText("gateNote");
  // A walk-forward mean's note names the other windows' notes (`others`): each said in the reader's language.
  const note = (gate: GateCheck): string => {
    const others = gate.others ?? [];
    const params = others.length ? { ...gate.params, others: others.map((o) => noteText(o.code, o.params, o.text)).join("; ") } : gate.params;
    return noteText(gate.code, params, gate.note);
  };
  const names: string[] = [];
  const reference = new Map<string, GateCheck>();
  for (const set of sets)
    for (const gate of set.gates)
      if (!reference.has(gate.name)) {
        reference.set(gate.name, gate);
        names.push(gate.name);
      }
  // One set: metric, value, threshold, mark; several: metric, threshold, then each set's value and mark.
  const single = sets.length === 1;
  const label = (name: string) => (hasMessage(`gate.${name}`) ? t(`gate.${name}` as MessageKey) : name.replace(/_/g, " "));
  return (
    <div className="table-scroll">
      <table className="table table-compact gates-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t("gate.col.metric")}</th>
            {single ? null : (
              <th scope="col" className="num">
                {t("gate.col.threshold")}
              </th>
            )}
            {sets.map((set) => [
              <th key={`${set.key}-value`} scope="col" className="num">
                {set.label}
              </th>,
              single ? (
                <th key="threshold" scope="col" className="num">
                  {t("gate.col.threshold")}
                </th>
              ) : null,
              <th key={`${set.key}-passed`} scope="col">
                {t("gate.col.passed")}
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {names.map((name) => {
            const first = reference.get(name);
            const threshold = (
              <td key="threshold" className="num nowrap" data-col="threshold">
                {first ? formatThreshold(first, locale, t("gate.paperThreshold")) : "—"}
              </td>
            );
            return (
              <tr key={name} data-testid="gate-row" data-gate={name}>
                <th scope="row" className="feature-name">
                  {label(name)}
                </th>
                {single ? null : threshold}
                {sets.map((set) => {
                  const gate = set.gates.find((g) => g.name === name);
                  const passed = gate?.passed === true ? "true" : gate?.passed === false ? "false" : "none";
                  return [
                    <td key={`${set.key}-value`} className="num" data-set={set.key} data-col="value" title={gate ? note(gate) : undefined}>
                      {gate ? formatGateValue(gate, locale) : "—"}
                    </td>,
                    single ? threshold : null,
                    <td key={`${set.key}-passed`} data-set={set.key} data-col="passed" data-passed={passed}>
                      <Mark gate={gate} />
                    </td>,
                  ];
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
