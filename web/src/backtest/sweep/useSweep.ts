/**
 * Follows one sweep: polls `GET /sweeps/{id}` about once a second while it is queued or
 * running, then loads its screened trials and their Backtrader re-runs once.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, getSweep, listSweepTrials } from "../../api/client";
import type { SweepPublic, SweepTrial } from "../../api/types";
import { isAbort, messageOf } from "../../lib/errors";

const POLL_MS = 1000;

export interface SweepState {
  sweep: SweepPublic | null;
  /** Screened trials (`kind=screen`), once the sweep has ended. */
  trials: SweepTrial[] | null;
  /** Backtrader re-runs of screened trials (`kind=verify`). */
  verify: SweepTrial[] | null;
  error: string | null;
}

/** Whether a sweep is still working (the view keeps polling). */
export function isActive(sweep: SweepPublic | null | undefined): boolean {
  return sweep?.status === "queued" || sweep?.status === "running";
}

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** The followed sweep and `reload()` (after a cancel or resume); `onEnded` fires when it stops. */
export function useSweep(id: string | null, onEnded: () => void): SweepState & { reload: () => void } {
  const [state, setState] = useState<SweepState>({ sweep: null, trials: null, verify: null, error: null });
  const [round, setRound] = useState(0);
  const onEndedRef = useRef(onEnded);
  useEffect(() => {
    onEndedRef.current = onEnded;
  }, [onEnded]);

  // A new id starts from nothing (no stale sweep shown under another's header).
  useEffect(() => {
    setState({ sweep: null, trials: null, verify: null, error: null });
  }, [id]);

  useEffect(() => {
    if (id === null) return undefined;
    const controller = new AbortController();
    const signal = controller.signal;
    let wasActive = false;
    void (async () => {
      for (;;) {
        let sweep: SweepPublic;
        try {
          sweep = await getSweep(id, signal);
        } catch (error) {
          if (isAbort(error) || signal.aborted) return;
          if (error instanceof ApiError && error.status === 0) {
            await sleep(POLL_MS); // transient: keep polling
            continue;
          }
          setState((prev) => ({ ...prev, error: messageOf(error) }));
          return;
        }
        if (signal.aborted) return;
        if (isActive(sweep)) {
          wasActive = true;
          setState((prev) => ({ ...prev, sweep, error: null }));
          await sleep(POLL_MS);
          if (signal.aborted) return;
          continue;
        }
        setState((prev) => ({ sweep, trials: prev.sweep?.id === id ? prev.trials : null, verify: prev.sweep?.id === id ? prev.verify : null, error: null }));
        if (wasActive) onEndedRef.current();
        try {
          const [trials, verify] = await Promise.all([listSweepTrials(id, "screen", signal), listSweepTrials(id, "verify", signal)]);
          if (!signal.aborted) setState({ sweep, trials, verify, error: null });
        } catch (error) {
          if (!isAbort(error) && !signal.aborted) setState((prev) => ({ ...prev, error: messageOf(error) }));
        }
        return;
      }
    })();
    return () => controller.abort();
  }, [id, round]);

  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { ...state, reload };
}
