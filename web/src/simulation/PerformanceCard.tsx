/** Performance metrics over the simulation (the backtests' metric set). */
import { MetricList } from "../backtest/DetailsModal";
import { COSTS, PERFORMANCE, SIGNALS } from "../backtest/metrics";
import { useI18n } from "../i18n/I18nProvider";

export function PerformanceCard({ metrics }: { metrics: Record<string, unknown> | null }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="performance-title" data-testid="performance-card">
      <h2 id="performance-title">{t("section.performance")}</h2>
      {metrics === null ? (
        <p className="muted">{t("sim.loading")}</p>
      ) : (
        <>
          <MetricList specs={PERFORMANCE} metrics={metrics} testId="sim-metrics-performance" />
          <div className="sections-row">
            <section aria-labelledby="sim-costs">
              <h3 id="sim-costs">{t("section.costs")}</h3>
              <MetricList specs={COSTS} metrics={metrics} testId="sim-metrics-costs" />
            </section>
            <section aria-labelledby="sim-signals">
              <h3 id="sim-signals">{t("section.signals")}</h3>
              <MetricList specs={SIGNALS} metrics={metrics} testId="sim-metrics-signals" />
            </section>
          </div>
        </>
      )}
    </section>
  );
}
