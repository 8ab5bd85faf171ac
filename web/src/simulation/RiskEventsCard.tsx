/**
 * The risk gate's blocks: when, which pair (symbol and strategy), which circuit breaker, what
 * it acted on (scope), what it did (effect) and until when, and why. `RiskEventsTable` is the
 * table alone (the Dashboard's confluence panel shows one strategy's breaker log with it).
 */
import type { RiskEvent } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatTime } from "../lib/format";
import { useReasonText } from "../lib/reasons";
import { useLabel } from "../live/labels";

export function RiskEventsTable({ events, testId = "risk-events-table" }: { events: RiskEvent[]; testId?: string }) {
  const { t } = useI18n();
  const label = useLabel();
  const reasonText = useReasonText();
  return (
    <div className="table-scroll trades-scroll">
      <table className="table table-compact" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t("signal.time")}</th>
            <th scope="col">{t("col.pair")}</th>
            <th scope="col">{t("col.strategy")}</th>
            <th scope="col">{t("riskEvents.breaker")}</th>
            <th scope="col">{t("riskEvents.scope")}</th>
            <th scope="col">{t("riskEvents.effect")}</th>
            <th scope="col">{t("signal.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, index) => (
            <tr
              key={index}
              data-testid="risk-event-row"
              data-breaker={event.breaker}
              data-strategy={event.strategy}
              data-scope={event.scope}
              data-effect={event.effect}
            >
              <td className="nowrap">{formatTime(event.time)}</td>
              <td className="strong">{event.symbol}</td>
              <td>{event.strategy}</td>
              <td>{label("risk", event.breaker)}</td>
              <td data-testid="risk-event-scope">{label("riskScope", event.scope)}</td>
              <td data-testid="risk-event-effect">
                {label("riskEffect", event.effect)}
                {event.until ? (
                  <div className="muted small nowrap" data-testid="risk-event-until">
                    {t("riskEvents.until", { time: formatTime(event.until) })}
                  </div>
                ) : null}
              </td>
              <td title={event.reason}>{reasonText(event.code, event.params, event.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RiskEventsCard({ events }: { events: RiskEvent[] | null }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="risk-events-title" data-testid="risk-events-card">
      <h2 id="risk-events-title">
        {t("riskEvents.title")} <span className="muted small">{events ? t("riskEvents.count", { n: events.length }) : ""}</span>
      </h2>
      {events === null ? (
        <p className="muted">{t("sim.loading")}</p>
      ) : events.length === 0 ? (
        <p className="muted" data-testid="risk-events-empty">
          {t("riskEvents.empty")}
        </p>
      ) : (
        <RiskEventsTable events={events} />
      )}
    </section>
  );
}
