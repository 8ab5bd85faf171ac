/**
 * Strategy and parameter descriptions in the reader's language: the built-in plugins'
 * Ukrainian texts (loaded on demand in Ukrainian mode, keyed by strategy and parameter
 * name), else the server's text (English; a third-party plugin's own words).
 */
import { useEffect, useState } from "react";

import { useI18n } from "../i18n/I18nProvider";
import type { PluginTexts } from "../i18n/plugins.uk";

type Catalog = Record<string, PluginTexts>;

let loading: Promise<Catalog> | null = null;
let loaded: Catalog | null = null;

function loadUk(): Promise<Catalog> {
  loading ??= import("../i18n/plugins.uk").then((module) => {
    loaded = module.pluginsUk;
    return loaded;
  });
  return loading;
}

export interface PluginText {
  /** A strategy's description (`fallback`: the server's). */
  strategy: (name: string, fallback: string | null | undefined) => string;
  /** A parameter's description (`strategy` unknown: only the shared texts apply). */
  param: (strategy: string | undefined, name: string, fallback: string | null | undefined) => string;
}

export function usePluginText(): PluginText {
  const { lang } = useI18n();
  const [catalog, setCatalog] = useState<Catalog | null>(lang === "uk" ? loaded : null);

  useEffect(() => {
    if (lang !== "uk") {
      setCatalog(null);
      return;
    }
    let live = true;
    void loadUk().then((found) => {
      if (live) setCatalog(found);
    });
    return () => {
      live = false;
    };
  }, [lang]);

  return {
    strategy: (name, fallback) => catalog?.[name]?.description ?? fallback ?? "",
    param: (strategy, name, fallback) =>
      (strategy === undefined ? undefined : catalog?.[strategy]?.params[name]) ?? catalog?.["*"]?.params[name] ?? fallback ?? "",
  };
}
