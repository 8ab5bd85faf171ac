/**
 * Live paper-trading state shared by the Dashboard and Simulation tabs: one
 * server-sent event stream (`GET /signals/stream`) plus light polling keeps the
 * engine status, the settings, the recent signals and the pending
 * confirmations fresh, and the health report (mode, missing live conditions) and
 * the kill switch. Other views re-fetch their data when `revision` changes.
 *
 * With `API_TOKEN` on the server (`auth_required`) the person is asked for the
 * token once; the stream carries it as `?access_token=` (an `EventSource` sends no
 * headers) and reconnects when it changes. A stream that closes for good is asked
 * why: a refused token asks again, anything else is retried.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { getToken, requestToken, tokenDismissed } from "../api/auth";
import {
  getHealth,
  getSettings,
  getSimStatus,
  getTrading,
  listOrders,
  listPending,
  listSignals,
  signalStreamUrl,
  streamRefused,
} from "../api/client";
import type {
  AppSettings,
  EngineStatus,
  Health,
  Order,
  OrderStatus,
  PendingConfirmation,
  SimSignal,
  StreamData,
  StreamEvent,
  StreamKind,
  TradingState,
} from "../api/types";
import { useApiToken } from "../auth/useAuth";
import { isAbort, messageOf } from "../lib/errors";

/** How many recent signals are kept in memory (all pairs together). */
const SIGNAL_BUFFER = 500;
/** Signals loaded when the page opens. */
const INITIAL_SIGNALS = 200;
/** Fallback refresh while the stream is quiet or down. */
const POLL_MS = 2000;
/** Refresh of the health report and the kill switch. */
const HEALTH_POLL_MS = 4000;
/** Wait before reopening a stream the server closed (for another reason than the token). */
const STREAM_RETRY_MS = 3000;
const KINDS: StreamKind[] = ["signal", "pending", "order", "trade", "status", "risk"];
/** What a resolved confirmation made of its order. */
const RESOLUTION: Partial<Record<StreamData<"pending">["status"], OrderStatus>> = {
  confirmed: "accepted",
  rejected: "rejected",
  expired: "expired",
  cancelled: "cancelled",
};
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
  /** Mode and every missing live condition, the kill switch, whether a token is needed. */
  health: Health | null;
  /** The kill switch (`GET /trading`). */
  trading: TradingState | null;
  /** Record the kill switch's state (the answer of a halt / resume call). */
  setTrading: (state: TradingState) => void;
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

/**
 * One stream event as the OpenAPI schema types it (`StreamEventPublic`): the SSE
 * event name is its `kind`, the JSON of its `data:` line its `data` (the server
 * serialises each kind through its public model). Null when the data is not a
 * JSON object.
 */
function parseEvent(kind: StreamKind, raw: string): StreamEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  return { kind, data } as StreamEvent;
}

/** `[order id, status]` a pending confirmation's resolution gives its order, if any. */
function resolution(pending: StreamData<"pending">): [string, OrderStatus] | null {
  const status = RESOLUTION[pending.status];
  return status ? [pending.order.id, status] : null;
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
  const [health, setHealth] = useState<Health | null>(null);
  const [trading, setTrading] = useState<TradingState | null>(null);
  const [streamEpoch, setStreamEpoch] = useState(0);
  const token = useApiToken();
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

  const refreshHealth = useCallback(() => {
    getHealth()
      .then((next) => {
        setHealth(next);
        if (next.auth_required && getToken() === null && !tokenDismissed()) void requestToken("required");
      })
      .catch((reason: unknown) => setError(messageOf(reason)));
    getTrading()
      .then(setTrading)
      .catch((reason: unknown) => setError(messageOf(reason)));
  }, []);

  const refresh = useCallback(() => {
    refreshPending();
    refreshStatus();
    refreshSettings();
    refreshSignals();
    refreshHealth();
    setRevision((n) => n + 1);
  }, [refreshPending, refreshStatus, refreshSettings, refreshSignals, refreshHealth]);

  useEffect(() => {
    const timer = window.setInterval(refreshHealth, HEALTH_POLL_MS);
    return () => window.clearInterval(timer);
  }, [refreshHealth]);

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
    const source = new EventSource(signalStreamUrl(token));
    const probe = new AbortController();
    let retry: number | undefined;
    const noteStatus = (id: string, next: string) => setOrderStatus((current) => ({ ...current, [id]: next }));
    const handle = (kind: StreamKind, raw: string) => {
      const event = parseEvent(kind, raw);
      if (event === null) return;
      switch (event.kind) {
        case "signal": {
          const signal = event.data;
          setSignals((current) => mergeSignals(current, [signal]));
          break;
        }
        case "pending": {
          const resolved = resolution(event.data);
          if (resolved) noteStatus(...resolved);
          refreshPending();
          break;
        }
        case "order":
          noteStatus(event.data.id, event.data.status);
          refreshPending();
          setRevision((n) => n + 1);
          break;
        case "trade":
          setRevision((n) => n + 1);
          break;
        case "status":
          setStatus(event.data);
          setRevision((n) => n + 1);
          break;
        case "risk":
          setRevision((n) => n + 1);
          break;
      }
    };
    source.onopen = () => {
      setConnected(true);
      refresh();
    };
    source.onerror = () => {
      setConnected(source.readyState === EventSource.OPEN);
      if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
      streamRefused(token, probe.signal)
        .then((refused) => {
          if (probe.signal.aborted) return; // this stream was replaced meanwhile
          if (!refused) {
            retry = window.setTimeout(() => setStreamEpoch((n) => n + 1), STREAM_RETRY_MS);
          } else if (!tokenDismissed()) {
            // a new token (even the same text again) reopens the stream
            void requestToken(token === null ? "required" : "wrong").then((entered) => {
              if (entered !== null) setStreamEpoch((n) => n + 1);
            });
          }
        })
        .catch((reason: unknown) => {
          if (!isAbort(reason)) retry = window.setTimeout(() => setStreamEpoch((n) => n + 1), STREAM_RETRY_MS);
        });
    };
    const listeners = KINDS.map((kind) => {
      const listener = (event: MessageEvent<string>) => handle(kind, event.data);
      source.addEventListener(kind, listener);
      return [kind, listener] as const;
    });
    return () => {
      for (const [kind, listener] of listeners) source.removeEventListener(kind, listener);
      probe.abort();
      window.clearTimeout(retry);
      source.close();
    };
  }, [refresh, refreshPending, token, streamEpoch]);

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
      health,
      trading,
      setTrading,
    }),
    [connected, status, settings, signals, pending, orderStatus, noteOrder, revision, error, refresh, forgetPending, health, trading],
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
