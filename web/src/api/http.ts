/**
 * Transport of the ScalpLab REST API (same origin as the SPA): an openapi-fetch
 * client typed by the generated `paths` of `schema.gen.ts`, and the unwrapping
 * of its answers.
 *
 * A call names its route and parameters as the schema spells them, e.g.
 * `api.GET("/backtests/{backtest_id}", { params: { path: { backtest_id } } })`,
 * so a renamed route or a changed body fails the type check. Every failure
 * becomes an `ApiError` whose message is the server's `detail` (or a readable
 * summary of a validation error), ready to show to the user. Every request says
 * `X-ScalpLab-Client: 1`; a state change carries the session's API token
 * (`auth.ts`), and a 401 asks for it and retries.
 */
import createClient from "openapi-fetch";

import { getToken, requestToken } from "./auth";
import type { paths } from "./schema.gen";

/** The header every request carries: it makes a body-less POST a non-simple request. */
export const CLIENT_HEADER = "X-ScalpLab-Client";
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * An API call that failed; `status` is 0 when the server could not be reached
 * or its answer was not the expected JSON.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

interface ValidationIssue {
  loc?: unknown[];
  msg?: string;
}

/** Turn a FastAPI error body (`{"detail": ...}`) into one readable line. */
export function describeDetail(detail: unknown): string | null {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((issue: ValidationIssue) => {
      const where = (issue.loc ?? []).filter((p) => p !== "body").join(".");
      const msg = issue.msg ?? JSON.stringify(issue);
      return where ? `${where}: ${msg}` : msg;
    });
    return parts.length > 0 ? parts.join("; ") : null;
  }
  if (detail !== null && detail !== undefined) return JSON.stringify(detail);
  return null;
}

/** Add the client header and, on a state change, the session's token to `request`. */
function authorise(request: Request, token: string | null): Request {
  request.headers.set(CLIENT_HEADER, "1");
  if (token !== null && STATE_CHANGING.has(request.method)) request.headers.set("Authorization", `Bearer ${token}`);
  return request;
}

/**
 * `fetch` with the session's token. A 401 asks the person for the token (again,
 * saying it was refused, when one was sent) and retries the request with it; a
 * cancelled prompt returns the 401, which becomes an `ApiError` as usual.
 */
export async function authFetch(request: Request): Promise<Response> {
  const spare = request.clone();
  const token = getToken();
  const response = await fetch(authorise(request, token));
  if (response.status !== 401 || !STATE_CHANGING.has(request.method)) return response;
  const entered = await requestToken(token === null ? "required" : "wrong");
  if (entered === null) return response;
  return authFetch(spare);
}

/** The API, addressed by the generated OpenAPI paths. */
export const api = createClient<paths>({ headers: { Accept: "application/json" }, fetch: authFetch });

/** What an `api` call resolves to: the parsed body of a success or of a failure. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The error for a successful call whose body is not of the expected shape. */
function unexpected(response: Response): ApiError {
  return new ApiError(0, `unexpected answer from ${new URL(response.url, window.location.origin).pathname}`);
}

/** The data of a successful call; every failure becomes an `ApiError`, an abort is re-thrown untouched. */
async function settle<T>(call: Promise<Answer<T>>): Promise<{ data: T | undefined; response: Response }> {
  let outcome: Answer<T>;
  try {
    outcome = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    if (error instanceof SyntaxError) throw new ApiError(0, `the server's answer is not JSON (${error.message})`);
    throw new ApiError(0, `cannot reach the server (${String(error)})`);
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    const detail = isRecord(error) ? describeDetail(error.detail) : null;
    throw new ApiError(response.status, detail ?? `HTTP ${response.status} ${response.statusText}`.trim());
  }
  return { data, response };
}

/** The body of a successful call, as the schema types it. */
export async function answer<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data } = await settle(call);
  return data as T;
}

/** The body of a call whose answer must be a JSON array. */
export async function answerList<T>(call: Promise<Answer<T[]>>): Promise<T[]> {
  const { data, response } = await settle(call);
  if (!Array.isArray(data)) throw unexpected(response);
  return data;
}

/** The body of a call whose answer must be a JSON object. */
export async function answerObject<T extends object>(call: Promise<Answer<T>>): Promise<T> {
  const { data, response } = await settle(call);
  if (!isRecord(data)) throw unexpected(response);
  return data;
}
