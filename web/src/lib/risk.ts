/** The circuit breakers in checking order with their limit fields (flag: `<breaker>_enabled`). */
export const BREAKERS: readonly { name: string; fields: readonly string[] }[] = [
  { name: "min_rr", fields: ["min_rr"] },
  { name: "max_open_positions", fields: ["max_open_positions"] },
  { name: "daily_loss_limit", fields: ["daily_loss_limit_pct"] },
  { name: "loss_streak", fields: ["loss_streak_limit", "loss_streak_cooldown_minutes"] },
  { name: "overtrading", fields: ["max_trades_per_hour"] },
  { name: "spread", fields: ["max_spread_pct"] },
  { name: "extreme_volatility", fields: ["extreme_volatility_atr_mult", "atr_period", "atr_average_window"] },
];
