"""The Binance USDT-M adapter: `config` (base URLs), `http` (market-data REST client),
`schemas` (payloads → the platform's shapes), `websocket` (market streams); for live
trading `trading` (signed orders and account, over `signed_rest`), `order_errors`,
`order_limits` and `user_stream` (the user-data stream, parsed by `user_parse`)."""
