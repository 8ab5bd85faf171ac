"""The Binance USDT-M adapter: `config` (base URLs), `http` (REST client), `schemas`
(payloads → the platform's shapes). The WebSocket client and the user-data stream join
them here."""
