/**
 * The signal funnel (`GET /signals/funnel`): generated → accepted (confirmed by you),
 * pending, rejected by reason, rejected by you, blocked by breaker, expired, cancelled,
 * dropped. Re-read whenever the live state changes (`revision`).
 */
import { useEffect, useState } from "react";

import { getSignalFunnel } from "../api/client";
import type { SignalFunnel as Funnel } from "../api/types";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { isAbort } from "../lib/errors";
import { formatCount } from "../lib/format";
import { useLabel } from "../live/labels";
import { useLive } from "../live/LiveProvider";

const STAGES: [keyof Funnel & string, MessageKey][] = [
  ["generated", "funnel.generated"],
  ["accepted", "funnel.accepted"],
  ["confirmed", "funnel.confirmed"],
  ["pending", "funnel.pending"],
  ["rejected", "funnel.rejected"],
  ["rejected_by_user", "funnel.rejectedByUser"],
  ["blocked", "funnel.blocked"],
  ["expired", "funnel.expired"],
  ["cancelled", "funnel.cancelled"],
  ["dropped", "funnel.dropped"],
];

export function SignalFunnel() {
  const { t, locale } = useI18n();
  const label = useLabel();
  const { revision } = useLive();
  const [funnel, setFunnel] = useState<Funnel | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    getSignalFunnel({}, abort.signal)
      .then((next) => {
        setFunnel(next);
        setFailed(false);
      })
      .catch((reason: unknown) => {
        if (!isAbort(reason)) setFailed(true);
      });
    return () => abort.abort();
  }, [revision]);

  if (funnel === null) return failed ? <p className="muted small">{t("funnel.unavailable")}</p> : null;
  const details = [
    ...funnel.rejected_by_reason.map((item) => `${label("signalReason", item.name)} ${formatCount(item.count, locale)}`),
    ...funnel.blocked_by_breaker.map((item) => `${label("risk", item.name)} ${formatCount(item.count, locale)}`),
  ];
  return (
    <div className="signal-funnel" data-testid="signal-funnel">
      <dl className="funnel-stages">
        {STAGES.map(([key, message]) => (
          <div key={key} className="funnel-stage" data-stage={key}>
            <dt>{t(message)}</dt>
            <dd>{formatCount(funnel[key], locale)}</dd>
          </div>
        ))}
      </dl>
      {details.length > 0 ? (
        <p className="muted small" data-testid="funnel-reasons">
          {details.join(" · ")}
        </p>
      ) : null}
    </div>
  );
}
