/** The readable message of anything thrown (API errors carry the server's detail). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a rejection is just an aborted fetch (a component went away). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
