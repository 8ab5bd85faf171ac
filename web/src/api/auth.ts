/**
 * The API token of this browser session, and the broker that asks a person for it.
 *
 * With `API_TOKEN` set on the server, every state-changing request and the event
 * stream need it (`/status/health` says so with `auth_required`; a request without
 * it answers 401). The token is kept in `sessionStorage`: it lasts while the tab
 * does and is never written anywhere else. `requestToken` opens the prompt (one at
 * a time: callers asking while it is open share its answer) and resolves with the
 * token entered, or null when the person cancels.
 */

const STORAGE_KEY = "scalplab.apiToken";

/** Why the prompt is shown: the server needs a token, or refused the one sent. */
export type TokenReason = "required" | "wrong";

/** An open prompt. */
export interface TokenRequest {
  reason: TokenReason;
}

type Listener = () => void;

let memoryToken: string | null = null;
let open: { request: TokenRequest; promise: Promise<string | null>; resolve: (token: string | null) => void } | null = null;
let dismissed = false;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

/** The session's token, or null. */
export function getToken(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY) ?? memoryToken;
  } catch {
    return memoryToken; // storage disabled: the token lasts for this page only
  }
}

/** Keep `token` for the session (null forgets it). */
export function setToken(token: string | null): void {
  memoryToken = token;
  try {
    if (token === null) window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: kept in memory
  }
  notify();
}

/** The open prompt, or null. */
export function currentTokenRequest(): TokenRequest | null {
  return open?.request ?? null;
}

/** Whether the person cancelled a prompt on this page (the stream then stops asking). */
export function tokenDismissed(): boolean {
  return dismissed;
}

/** Ask for the token; resolves with it, or null when the person cancels. */
export function requestToken(reason: TokenReason): Promise<string | null> {
  if (open !== null) {
    if (reason === "wrong" && open.request.reason !== "wrong") {
      open = { ...open, request: { reason } };
      notify();
    }
    return open.promise;
  }
  let resolve: (token: string | null) => void = () => undefined;
  const promise = new Promise<string | null>((settle) => {
    resolve = settle;
  });
  open = { request: { reason }, promise, resolve };
  notify();
  return promise;
}

/** The prompt's answer: a token (kept for the session) or null (cancelled). */
export function answerTokenRequest(token: string | null): void {
  const current = open;
  if (current === null) return;
  open = null;
  const trimmed = token?.trim() ?? "";
  if (trimmed) {
    dismissed = false;
    setToken(trimmed);
  } else {
    dismissed = true;
    notify();
  }
  current.resolve(trimmed || null);
}

/** Be told when the token or the prompt changes; returns the unsubscribe function. */
export function subscribeAuth(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
