/** Confirm / reject calls of a pending confirmation, shared by the pending list and the dialog. */
import { useRef, useState } from "react";

import { ApiError } from "../api/http";
import { confirmPending, rejectPending } from "../api/client";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { useLive, type LivePending } from "./LiveProvider";

/** A failed confirm / reject as translated text (never the server's own words). */
export function pendingErrorKey(action: "confirm" | "reject", reason: unknown): MessageKey {
  const status = reason instanceof ApiError ? reason.status : 0;
  if (status === 404) return "pendingError.gone";
  if (status === 409) return action === "confirm" ? "pendingError.confirmConflict" : "pendingError.rejectConflict";
  if (status === 0) return "pendingError.offline";
  return action === "confirm" ? "pendingError.confirmFailed" : "pendingError.rejectFailed";
}

/** Confirm or reject a pending order, then drop it from the live list. A second call for
 * the same confirmation while one is on its way is ignored (Enter held or pressed twice). */
export function usePendingActions(): {
  busy: string | null;
  error: string | null;
  act: (row: LivePending, action: "confirm" | "reject", onDone?: () => void) => void;
} {
  const { t } = useI18n();
  const { forgetPending, noteOrder, refresh } = useLive();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<string | null>(null);
  const act = (row: LivePending, action: "confirm" | "reject", onDone?: () => void) => {
    if (inFlight.current !== null) return;
    inFlight.current = row.id;
    setBusy(row.id);
    setError(null);
    const call = action === "confirm" ? confirmPending(row.id) : rejectPending(row.id);
    call
      .then((order) => {
        if (order && typeof order.id === "string") noteOrder(order);
        forgetPending(row.id);
        onDone?.();
      })
      .catch((reason: unknown) => {
        setError(t(pendingErrorKey(action, reason)));
        refresh();
      })
      .finally(() => {
        inFlight.current = null;
        setBusy(null);
      });
  };
  return { busy, error, act };
}
