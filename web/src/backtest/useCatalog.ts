/** Loads what the Backtest tab chooses from: symbols with stored data and the strategies. */
import { useEffect, useState } from "react";

import { listStrategies, listSymbols } from "../api/client";
import type { MarketSymbol, StrategyInfo } from "../api/types";

export interface Catalog {
  symbols: MarketSymbol[] | null;
  strategies: StrategyInfo[] | null;
  error: string | null;
}

export function useCatalog(): Catalog {
  const [catalog, setCatalog] = useState<Catalog>({ symbols: null, strategies: null, error: null });

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([listSymbols(controller.signal), listStrategies(controller.signal)])
      .then(([symbols, strategies]) => setCatalog({ symbols, strategies, error: null }))
      .catch((error: unknown) => {
        if (error instanceof DOMException && error.name === "AbortError") return;
        setCatalog({ symbols: null, strategies: null, error: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, []);

  return catalog;
}
