/**
 * Live paper-trading state shared by the Dashboard and Simulation tabs: one
 * server-sent event stream (`GET /signals/stream`) plus light polling keeps the
 * engine status, the settings, the recent signals and the pending
 * confirmations fresh. Other views re-fetch their data when `revision` changes.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import {
  SIGNAL_STREAM_URL,
  getSettings,
  getSimStatus,
  listOrders,
  listPending,
  listSignals,
} from "../api/client";
import type { AppSettings, EngineStatus, Order, OrderStatus, PendingConfirmation, SimSignal, StreamKind } from "../api/types";
import { messageOf } from "../lib/errors";

/** How many recent signals are kept in memory (all pairs together). */
const SIGNAL_BUFFER = 500;
/** Signals loaded when the page opens. */
const INITIAL_SIGNALS = 200;
/** Fallback refresh while the stream is quiet or down. */
const POLL_MS = 2000;
const KINDS: StreamKind[] = ["signal", "pending", "order", "trade", "status", "risk"];
/** What a resolved confirmation made of its order. */
const RESOLUTION: Record<string, OrderStatus> = { confirmed: "accepted", rejected: "rejected", expired: "expired" };
/** Orders whose status is loaded with the page (signals waiting for a confirmation refer to them). */
const INITIAL_ORDERS = 200;

/** A pending confirmation with the local time (ms) at which it expires. */
export interface LivePending extends PendingConfirmation {
  deadline: number;
}

export interface LiveValue {
  /** Whether the event stream is open. */
  connected: boolean;
  status: EngineStatus | null;
  settings: AppSettings | null;
  signals: SimSignal[];
  pending: LivePending[];
  /** Latest known status of orders by id (from the stream and from actions). */
  orderStatus: Readonly<Record<string, string>>;
  /** Record an order's status (e.g. the answer of a confirm call). */
  noteOrder: (order: Pick<Order, "id" | "status">) => void;
  /** Bumped on every order / trade / status change: views re-fetch their data. */
  revision: number;
  error: string | null;
  refresh: () => void;
  setSettings: (settings: AppSettings) => void;
  setStatus: (status: EngineStatus) => void;
  /** Drop a pending confirmation locally (after a confirm / reject call). */
  forgetPending: (id: string) => void;
}

const LiveContext = createContext<LiveValue | null>(null);

function signalKey(signal: SimSignal): string {
  return String(signal.id);
}

function newestFirst(a: SimSignal, b: SimSignal): number {
  const diff = Date.parse(b.time) - Date.parse(a.time);
  if (diff !== 0 && Number.isFinite(diff)) return diff;
  return String(b.id).localeCompare(String(a.id), undefined, { numeric: true });
}

/** Merge signals by id (later copies win: a pending one becomes accepted, expired...). */
function mergeSignals(current: SimSignal[], incoming: SimSignal[]): SimSignal[] {
  const byId = new Map(current.map((s) => [signalKey(s), s]));
  for (const signal of incoming) byId.set(signalKey(signal), signal);
  return [...byId.values()].sort(newestFirst).slice(0, SIGNAL_BUFFER);
}

/** The event's JSON data, unwrapped from `{kind, data}` when the server wraps it. */
function parseEvent(raw: string): { kind: string | null; data: unknown } {
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return { kind: null, data: null };
  }
  if (payload !== null && typeof payload === "object" && "kind" in payload && "data" in payload) {
    const wrapped = payload as { kind: unknown; data: unknown };
    return { kind: typeof wrapped.kind === "string" ? wrapped.kind : null, data: wrapped.data };
  }
  return { kind: null, data: payload };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

/** `[order id, status]` told by an `order` or `pending` event, if any. */
function orderUpdate(kind: string, data: unknown): [string, string] | null {
  if (!isObject(data)) return null;
  if (kind === "order" && typeof data.id === "string" && typeof data.status === "string") {
    return [data.id, data.status];
  }
  if (kind === "pending" && isObject(data.order) && typeof data.order.id === "string" && typeof data.status === "string") {
    const status = RESOLUTION[data.status];
    return status ? [data.order.id, status] : null;
  }
  return null;
}

function isSignal(value: unknown): value is SimSignal {
  return value !== null && typeof value === "object" && "symbol" in value && "side" in value && "id" in value;
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [signals, setSignals] = useState<SimSignal[]>([]);
  const [pending, setPending] = useState<LivePending[]>([]);
  const [orderStatus, setOrderStatus] = useState<Record<string, string>>({});
  const [revision, setRevision] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const deadlines = useRef(new Map<string, number>());
  const forgotten = useRef(new Set<string>());

  const refreshPending = useCallback(() => {
    listPending()
      .then((rows) => {
        const now = Date.now();
        const known = deadlines.current;
        const next: LivePending[] = [];
        for (const row of rows) {
          if (forgotten.current.has(row.id)) continue;
          let deadline = known.get(row.id);
          if (deadline === undefined) {
            deadline = now + Math.max(0, row.seconds_left) * 1000;
            known.set(row.id, deadline);
          }
          next.push({ ...row, deadline });
        }
        setPending(next);
        setError(null);
      })
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  const refreshStatus = useCallback(() => {
    getSimStatus()
      .then((next) => {
        setStatus(next);
        setError(null);
      })
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  const refreshSettings = useCallback(() => {
    getSettings()
      .then(setSettings)
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  const refreshSignals = useCallback(() => {
    Promise.all([listSignals(INITIAL_SIGNALS), listOrders(INITIAL_ORDERS)])
      .then(([rows, orders]) => {
        setSignals(mergeSignals([], rows));
        setOrderStatus((current) => ({ ...current, ...Object.fromEntries(orders.map((o) => [o.id, o.status])) }));
      })
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  const refresh = useCallback(() => {
    refreshPending();
    refreshStatus();
    refreshSettings();
    refreshSignals();
    setRevision((n) => n + 1);
  }, [refreshPending, refreshStatus, refreshSettings, refreshSignals]);

  // Initial load and the fallback poll.
  useEffect(() => {
    refresh();
    const timer = window.setInterval(() => {
      refreshPending();
      refreshStatus();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh, refreshPending, refreshStatus]);

  // While the engine runs, views that show derived data refresh regularly too.
  const running = status?.state === "running";
  useEffect(() => {
    if (!running) return undefined;
    const timer = window.setInterval(() => setRevision((n) => n + 1), POLL_MS);
    return () => window.clearInterval(timer);
  }, [running]);

  // The event stream.
  useEffect(() => {
    if (typeof EventSource === "undefined") return undefined;
    const source = new EventSource(SIGNAL_STREAM_URL);
    const handle = (fallbackKind: string | null, raw: string) => {
      const { kind: wrappedKind, data } = parseEvent(raw);
      const kind = wrappedKind ?? fallbackKind;
      const update = kind ? orderUpdate(kind, data) : null;
      if (update) setOrderStatus((current) => ({ ...current, [update[0]]: update[1] }));
      switch (kind) {
        case "signal":
          if (isSignal(data)) setSignals((current) => mergeSignals(current, [data]));
          break;
        case "pending":
          refreshPending();
          break;
        case "order":
        case "trade":
          refreshPending();
          setRevision((n) => n + 1);
          break;
        case "status":
          refreshStatus();
          setRevision((n) => n + 1);
          break;
        case "risk":
          setRevision((n) => n + 1);
          break;
        default:
          break;
      }
    };
    source.onopen = () => {
      setConnected(true);
      refresh();
    };
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    source.onmessage = (event: MessageEvent<string>) => handle(null, event.data);
    const listeners = KINDS.map((kind) => {
      const listener = (event: MessageEvent<string>) => handle(kind, event.data);
      source.addEventListener(kind, listener);
      return [kind, listener] as const;
    });
    return () => {
      for (const [kind, listener] of listeners) source.removeEventListener(kind, listener);
      source.close();
    };
  }, [refresh, refreshPending, refreshStatus]);

  const forgetPending = useCallback((id: string) => {
    forgotten.current.add(id);
    setPending((current) => current.filter((row) => row.id !== id));
    refreshSignals();
    setRevision((n) => n + 1);
  }, [refreshSignals]);

  const noteOrder = useCallback((order: Pick<Order, "id" | "status">) => {
    setOrderStatus((current) => ({ ...current, [order.id]: order.status }));
  }, []);

  const value = useMemo<LiveValue>(
    () => ({
      connected,
      status,
      settings,
      signals,
      pending,
      orderStatus,
      noteOrder,
      revision,
      error,
      refresh,
      setSettings,
      setStatus,
      forgetPending,
    }),
    [connected, status, settings, signals, pending, orderStatus, noteOrder, revision, error, refresh, forgetPending],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** The live paper-trading state; must be used under `LiveProvider`. */
export function useLive(): LiveValue {
  const value = useContext(LiveContext);
  if (value === null) throw new Error("useLive must be used inside <LiveProvider>");
  return value;
}

/** The current time in ms, re-rendering every `intervalMs` (for countdowns). */
export function useNow(intervalMs = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
