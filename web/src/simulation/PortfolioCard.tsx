/** Portfolio overview: current value, P&L (realised / unrealised), cash, margin, costs and open positions. */
import type { Portfolio } from "../api/types";
import { MetricList } from "../backtest/DetailsModal";
import type { MetricSpec } from "../backtest/metrics";
import { useI18n } from "../i18n/I18nProvider";
import { formatTime } from "../lib/format";

const SPECS: MetricSpec[] = [
  { key: "equity", format: "money" },
  { key: "total_pnl", format: "signed", tone: true },
  { key: "total_return_pct", format: "signedPercent", tone: true },
  { key: "realised_pnl", format: "signed", tone: true },
  { key: "unrealised_pnl", format: "signed", tone: true },
  { key: "open_positions", format: "count" },
  { key: "cash", format: "money" },
  { key: "margin_used", format: "money" },
  { key: "initial_capital", format: "money" },
  { key: "fees", format: "money" },
  { key: "slippage", format: "money" },
  { key: "funding", format: "signed" },
];

export function PortfolioCard({ portfolio }: { portfolio: Portfolio | null }) {
  const { t } = useI18n();
  const values: Record<string, unknown> = portfolio ? { ...portfolio } : {};
  if (portfolio) {
    values.total_pnl = portfolio.equity - portfolio.initial_capital;
    values.total_return_pct = portfolio.initial_capital > 0 ? ((portfolio.equity - portfolio.initial_capital) / portfolio.initial_capital) * 100 : null;
  }
  return (
    <section className="card" aria-labelledby="portfolio-title" data-testid="portfolio-card">
      <div className="card-head">
        <h2 id="portfolio-title">{t("portfolio.title")}</h2>
        {portfolio?.updated_at ? <span className="muted small">{t("portfolio.updated", { time: formatTime(portfolio.updated_at) })}</span> : null}
      </div>
      {portfolio === null ? <p className="muted">{t("sim.loading")}</p> : <><MetricList specs={SPECS} metrics={values} testId="portfolio-metrics" /><p className="muted small" data-testid="costs-legend">{t("polish.costsLegend")}</p></>}
    </section>
  );
}
