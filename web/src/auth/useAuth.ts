/** React views of the session's API token and of the open token prompt (`api/auth.ts`). */
import { useSyncExternalStore } from "react";

import { currentTokenRequest, getToken, subscribeAuth, type TokenRequest } from "../api/auth";

/** The session's API token (re-renders when it changes). */
export function useApiToken(): string | null {
  return useSyncExternalStore(subscribeAuth, getToken);
}

/** The open token prompt, or null (re-renders when it opens, changes or closes). */
export function useTokenRequest(): TokenRequest | null {
  return useSyncExternalStore(subscribeAuth, currentTokenRequest);
}
