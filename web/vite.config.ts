/**
 * Vite configuration for the ScalpLab SPA.
 *
 * Production: `npm run build` writes `dist/`, which the FastAPI app serves at `/`.
 * Development: `npm run dev` proxies every API path to the backend
 * (`SCALPLAB_API`, default http://127.0.0.1:8000) so the SPA and the API share an origin.
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const API_TARGET = process.env.SCALPLAB_API ?? "http://127.0.0.1:8000";

/** Top-level path prefixes served by the FastAPI backend. */
const API_PREFIXES = [
  "/backtests",
  "/market",
  "/strategies",
  "/status",
  "/pairs",
  "/signals",
  "/orders",
  "/settings",
  "/notifications",
  "/simulation",
  "/openapi.json",
  "/docs",
];

export default defineConfig({
  base: "/",
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: Object.fromEntries(
      API_PREFIXES.map((prefix) => [prefix, { target: API_TARGET, changeOrigin: true }]),
    ),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
