/**
 * Follows one kline download: polls `GET /data/downloads/{id}` a few times a second
 * while it is queued or running; `onEnded` fires once when it stops (done, failed or
 * cancelled), so the coverage can be reloaded.
 */
import { useEffect, useRef, useState } from "react";

import { getDownload } from "../api/client";
import type { DownloadJob } from "../api/types";
import { isAbort, messageOf } from "../lib/errors";

const POLL_MS = 400;

/** Whether a download is still working. */
export function isActive(job: DownloadJob | null | undefined): boolean {
  return job?.status === "queued" || job?.status === "running";
}

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** The followed job (starting from `initial`) and the last polling error. */
export function useDownload(
  initial: DownloadJob | null,
  onEnded: () => void,
): { job: DownloadJob | null; error: string | null; setJob: (job: DownloadJob) => void } {
  const [job, setJob] = useState<DownloadJob | null>(initial);
  const [error, setError] = useState<string | null>(null);
  const onEndedRef = useRef(onEnded);
  useEffect(() => {
    onEndedRef.current = onEnded;
  }, [onEnded]);

  const id = job?.id ?? null;
  const active = isActive(job);
  useEffect(() => {
    if (id === null || !active) return undefined;
    const controller = new AbortController();
    void (async () => {
      for (;;) {
        await sleep(POLL_MS);
        if (controller.signal.aborted) return;
        try {
          const next = await getDownload(id, controller.signal);
          setJob(next);
          setError(null);
          if (!isActive(next)) {
            onEndedRef.current();
            return;
          }
        } catch (reason: unknown) {
          if (isAbort(reason)) return;
          setError(messageOf(reason));
        }
      }
    })();
    return () => controller.abort();
  }, [id, active]);

  return { job, error, setJob };
}
