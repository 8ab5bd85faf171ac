/**
 * Submits a backtest and follows it: `POST /backtests`, then long-polls
 * `GET /backtests/{id}?wait=…` until it is done or failed. Each poll returns the
 * moment the job ends (no polling delay on the result) or after `WAIT_S`, so the
 * progress bar still moves a few times a second.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, createBacktest, getBacktest } from "../api/client";
import type { BacktestCreate, BacktestDetail, BacktestStatus } from "../api/types";

const WAIT_S = 0.25;
const RETRY_MS = 200;

export type JobState =
  | { phase: "idle" }
  | { phase: "submitting" }
  | { phase: "active"; id: string; status: BacktestStatus; progress: number }
  | { phase: "done"; id: string; detail: BacktestDetail }
  | { phase: "failed"; id: string | null; error: string; rejected: boolean }
  | { phase: "lost"; id: string; error: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** Job state plus `run(body)`; `onSettled` fires after the job was accepted and again when it ends. */
export function useBacktestJob(onSettled: () => void): { job: JobState; run: (body: BacktestCreate) => void } {
  const [job, setJob] = useState<JobState>({ phase: "idle" });
  const generation = useRef(0);
  const onSettledRef = useRef(onSettled);

  useEffect(() => {
    onSettledRef.current = onSettled;
  }, [onSettled]);

  useEffect(
    () => () => {
      generation.current += 1; // stop polling after unmount
    },
    [],
  );

  const run = useCallback((body: BacktestCreate) => {
    const mine = ++generation.current;
    const current = () => generation.current === mine;
    setJob({ phase: "submitting" });

    void (async () => {
      let id: string;
      try {
        const accepted = await createBacktest(body);
        id = accepted.id;
        if (!current()) return;
        setJob({ phase: "active", id, status: accepted.status, progress: 0 });
        onSettledRef.current();
      } catch (error) {
        if (current()) setJob({ phase: "failed", id: null, error: messageOf(error), rejected: true });
        return;
      }
      for (;;) {
        let detail: BacktestDetail;
        try {
          detail = await getBacktest(id, undefined, WAIT_S);
        } catch (error) {
          if (!current()) return;
          if (error instanceof ApiError && error.status === 0) {
            await sleep(RETRY_MS); // transient: keep polling
            continue;
          }
          setJob({ phase: "lost", id, error: messageOf(error) });
          onSettledRef.current();
          return;
        }
        if (!current()) return;
        if (detail.status === "done") {
          setJob({ phase: "done", id, detail });
          onSettledRef.current();
          return;
        }
        if (detail.status === "failed") {
          setJob({ phase: "failed", id, error: detail.error ?? "unknown error", rejected: false });
          onSettledRef.current();
          return;
        }
        setJob({ phase: "active", id, status: detail.status, progress: detail.progress ?? 0 });
      }
    })();
  }, []);

  return { job, run };
}
