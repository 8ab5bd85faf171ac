/**
 * The walk-forward result of a sweep: per window the train and test ranges, the params
 * chosen on the train range and both objectives; the stitched out-of-sample headline
 * metrics beside the in-sample ones (the mean of the windows' best), the efficiency
 * (out-of-sample return per day over in-sample return per day), seed 002's go-live
 * gates out of sample and in sample, the out-of-sample equity, and how stable each
 * chosen param was across windows.
 */
import type { WalkForwardSummary } from "../../api/types";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/I18nProvider";
import { formatNumber, formatParams, formatPeriod } from "../../lib/format";
import { GatesTable, gateTally, type GateSet } from "../GatesTable";
import { formatMetric, signClass } from "./format";

const HEADLINE: { key: "trades" | "net_pnl" | "return_pct" | "win_rate" | "profit_factor" | "max_drawdown_pct" | "sharpe"; label: MessageKey }[] = [
  { key: "trades", label: "metric.trades" },
  { key: "net_pnl", label: "metric.net_pnl" },
  { key: "return_pct", label: "metric.return_pct" },
  { key: "win_rate", label: "metric.win_rate" },
  { key: "profit_factor", label: "metric.profit_factor" },
  { key: "max_drawdown_pct", label: "metric.max_drawdown_pct" },
  { key: "sharpe", label: "metric.sharpe" },
];
const SIGNED = new Set<string>(["net_pnl", "return_pct"]);

function EquityLine({ points, label }: { points: [string, number][]; label: string }) {
  if (points.length < 2) return null;
  const width = 640;
  const height = 120;
  const times = points.map(([iso]) => Date.parse(iso));
  const values = points.map(([, value]) => value);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const v0 = Math.min(...values);
  const v1 = Math.max(...values);
  const x = (time: number) => (t1 > t0 ? ((time - t0) / (t1 - t0)) * (width - 8) + 4 : 4);
  const y = (value: number) => (v1 > v0 ? height - 4 - ((value - v0) / (v1 - v0)) * (height - 8) : height / 2);
  const path = points.map(([iso, value], index) => `${index === 0 ? "M" : "L"}${x(Date.parse(iso)).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
  const last = values[values.length - 1] ?? 0;
  const first = values[0] ?? 0;
  return (
    <svg className="equity-line" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="oos-equity">
      <path d={path} className={last >= first ? "equity-up" : "equity-down"} fill="none" />
    </svg>
  );
}

/** The go-live gates out of sample and in sample (absent in sweeps stored before them). */
function WalkForwardGates({ wf }: { wf: WalkForwardSummary }) {
  const { t } = useI18n();
  if (!wf.gates) return null;
  const label = (text: string, gates: GateSet["gates"]) => {
    const tally = gateTally(gates);
    return gates.length > 0 ? `${text} (${tally.passed}/${tally.total})` : text;
  };
  const sets: GateSet[] = [
    { key: "oos", label: label(t("sweep.outOfSample"), wf.gates.out_of_sample), gates: wf.gates.out_of_sample },
    { key: "is", label: label(t("sweep.inSample"), wf.gates.in_sample), gates: wf.gates.in_sample },
  ];
  return (
    <div data-testid="wf-gates-section">
      <h4>{t("sweep.gatesTitle")}</h4>
      <GatesTable sets={sets} testId="wf-gates" />
      <p className="muted small">
        {t("sweep.gatesHelp")} {t("gate.help")}
      </p>
    </div>
  );
}

export function WalkForwardSection({ wf, objective }: { wf: WalkForwardSummary; objective: string }) {
  const { t, locale } = useI18n();
  const oos = wf.out_of_sample;
  const ins = wf.in_sample ?? {};
  return (
    <section className="sweep-wf-result" data-testid="walk-forward">
      <h3>{t("sweep.wfTitle", { split: wf.train_test ?? "—" })}</h3>
      <div className="table-scroll">
        <table className="table table-compact" data-testid="wf-windows-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                {t("sweep.col.window")}
              </th>
              <th scope="col">{t("sweep.col.train")}</th>
              <th scope="col">{t("sweep.col.test")}</th>
              <th scope="col">{t("sweep.col.chosen")}</th>
              <th scope="col" className="num">
                {t("sweep.col.trainObjective")}
              </th>
              <th scope="col" className="num">
                {t("sweep.col.testObjective")}
              </th>
            </tr>
          </thead>
          <tbody>
            {wf.windows.map((window) => (
              <tr key={window.index} data-testid="wf-window-row">
                <td className="num">{window.index}</td>
                <td className="nowrap">{formatPeriod(window.train_start, window.train_end)}</td>
                <td className="nowrap">{window.test_start && window.test_end ? formatPeriod(window.test_start, window.test_end) : "—"}</td>
                <td className="params-cell" title={formatParams(window.best?.params)}>
                  {window.best ? formatParams(window.best.params) : <span className="muted">{t("sweep.noBest")}</span>}
                </td>
                <td className={SIGNED.has(objective) ? signClass(window.best?.objective) : "num"}>{formatMetric(objective, window.best?.objective, locale)}</td>
                <td className={SIGNED.has(objective) ? signClass(window.test?.objective) : "num"} title={window.test?.error ?? undefined}>
                  {window.test?.error ? <span className="neg">{t("sweep.testFailed")}</span> : formatMetric(objective, window.test?.objective, locale)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="sections-row">
        <div>
          <h4>{t("sweep.oosVsIs")}</h4>
          <table className="table table-compact" data-testid="wf-headline">
            <thead>
              <tr>
                <th scope="col">{t("sweep.col.metric")}</th>
                <th scope="col" className="num">
                  {t("sweep.outOfSample")}
                </th>
                <th scope="col" className="num">
                  {t("sweep.inSample")}
                </th>
              </tr>
            </thead>
            <tbody>
              {HEADLINE.map(({ key, label }) => (
                <tr key={key} data-metric={key}>
                  <th scope="row" className="feature-name">
                    {t(label)}
                  </th>
                  <td className={SIGNED.has(key) ? signClass(oos[key]) : "num"} data-col="oos">
                    {formatMetric(key, oos[key], locale)}
                  </td>
                  <td className={SIGNED.has(key) ? signClass(ins[key as keyof typeof ins]) : "num"} data-col="is">
                    {key in ins ? formatMetric(key, ins[key as keyof typeof ins], locale) : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="wf-efficiency" data-testid="wf-efficiency">
            <span className="strong">{t("sweep.efficiency")}: </span>
            <span className={signClass(wf.efficiency, "")}>{formatNumber(wf.efficiency, locale)}</span>{" "}
            <span className="muted small">{t("sweep.efficiencyHelp")}</span>
          </p>
          {oos.start && oos.end ? <p className="muted small">{t("sweep.oosPeriod", { period: formatPeriod(oos.start, oos.end) })}</p> : null}
          <WalkForwardGates wf={wf} />
        </div>
        <div>
          <h4>{t("sweep.oosEquity")}</h4>
          <EquityLine points={oos.equity ?? []} label={t("sweep.oosEquity")} />
          <h4>{t("sweep.stability")}</h4>
          <table className="table table-compact" data-testid="wf-stability">
            <thead>
              <tr>
                <th scope="col">{t("sweep.col.param")}</th>
                <th scope="col">{t("sweep.col.chosenValues")}</th>
                <th scope="col" className="num">
                  {t("sweep.col.distinct")}
                </th>
                <th scope="col" className="num">
                  {t("sweep.col.mean")}
                </th>
                <th scope="col" className="num">
                  {t("sweep.col.stdev")}
                </th>
                <th scope="col" className="num" title={t("sweep.cvHelp")}>
                  {t("sweep.col.cv")}
                </th>
              </tr>
            </thead>
            <tbody>
              {wf.stability.map((row) => (
                <tr key={row.name}>
                  <td className="strong">{row.name}</td>
                  <td className="params-cell">{row.values.map((value) => String(value)).join(", ")}</td>
                  <td className="num">{row.distinct}</td>
                  <td className="num">{formatNumber(row.mean, locale)}</td>
                  <td className="num">{formatNumber(row.stdev, locale)}</td>
                  <td className="num">{formatNumber(row.cv, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
