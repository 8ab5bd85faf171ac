/** Loading one thing from the API when a component mounts (aborted when it unmounts). */
import { useEffect, useState } from "react";

import { messageOf } from "./errors";

/** What `load` answered, or why it failed (both null while loading). */
export interface Loaded<T> {
  value: T | null;
  error: string | null;
}

/** Calls `load` once on mount; its answer or its error message. */
export function useLoaded<T>(load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ value: null, error: null });
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal)
      .then((value) => setState({ value, error: null }))
      .catch((reason: unknown) => {
        if (reason instanceof DOMException && reason.name === "AbortError") return;
        setState({ value: null, error: messageOf(reason) });
      });
    return () => controller.abort();
  }, []);
  return state;
}
