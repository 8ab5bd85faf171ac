/** Confirm / reject calls of a pending confirmation, shared by the pending list and the dialog. */
import { useState } from "react";

import { confirmPending, rejectPending } from "../api/client";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { useLive, type LivePending } from "./LiveProvider";

/** Confirm or reject a pending order, then drop it from the live list. */
export function usePendingActions(): {
  busy: string | null;
  error: string | null;
  act: (row: LivePending, action: "confirm" | "reject", onDone?: () => void) => void;
} {
  const { t } = useI18n();
  const { forgetPending, noteOrder, refresh } = useLive();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (row: LivePending, action: "confirm" | "reject", onDone?: () => void) => {
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
        setError(t(action === "confirm" ? "pending.confirmError" : "pending.rejectError", { error: messageOf(reason) }));
        refresh();
      })
      .finally(() => setBusy(null));
  };
  return { busy, error, act };
}

