"""Paper trading: the simulation engine, its pair runners, persistence and CLI.

`SimulationEngine(settings, database, registry, clock=time.time, pairs=None,
keep_history=False)` in `scalplab.simulation.engine`; records in `scalplab.simulation.views`.
Public API (as in the issue-3 design): start(feed: FeedSpec | None) -> EngineStatus,
stop(), reset(), status(), portfolio(), positions(), trades(limit, offset),
performance(), signals(symbol=None, limit=100), risk_events(limit=100), pending(),
confirm(pending_id), reject(pending_id), submit_order(OrderRequest) -> Order,
close_position(symbol) -> PositionClosed, subscribe(loop=None, maxsize=None) ->
EventSubscription, settings() -> SimulationSettings, update_settings(patch).

Additions to the design:
- `resume()`: continue a run a previous process left running (kill -9, restart);
  call it once after constructing the engine at start-up.
- `close()`: stop the run and the background sweeper and flush unsaved bars; call it
  at shutdown. `wait(timeout)` joins a run (the CLI, tests).
- `orders_list(limit, offset)`: the order queue, newest first (`engine.orders` is the
  `OrderQueue` itself). `expire_due()`: cancel expired confirmations now (a
  background sweeper does it every 0.25 s anyway).
- `attach(PairSpec) -> SimExecutor`: drive a pair by hand (`on_bar`, `on_signal`,
  `checkpoint()` per closed bar) — for a non-replay candle source and for tests.
- `start()` always continues after each pair's cursor (the last bar applied);
  `reset()` starts over. `pairs=` overrides the `pairs` table (the CLI);
  `keep_history=True` keeps the model's per-bar equity curve and signal list (the
  CLI's backtest-shaped result; off in the server to keep memory flat).
- Event kinds: "signal", "pending", "order", "trade", "status" and "risk" (a breaker
  blocked a signal or a manual order); `EngineEvent(seq, kind, data, published_ns)`.
- `EngineStatus` also has `finished` (the replay reached its end) and `error`.
- A signal's status is one of accepted | rejected | blocked | pending | dropped;
  a strategy signal while a confirmation of the same pair waits is rejected with
  reason "pending_confirmation".
"""
