/**
 * Application shell: header with the app name, the tab bar and the language
 * switch. Tabs are declared in `TABS`; adding a section means adding an entry.
 * The active tab is the URL hash (`#backtest`), so a reload stays on it.
 * The live paper-trading state, the order-confirmation dialog and the API-token
 * prompt span every tab.
 */
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";

import { TokenPrompt } from "./auth/TokenPrompt";
import { DashboardTab } from "./dashboard/DashboardTab";
import type { MessageKey } from "./i18n/en";
import { LANGUAGES, useI18n } from "./i18n/I18nProvider";
import { ConfirmationModal } from "./live/ConfirmationModal";
import { LiveProvider } from "./live/LiveProvider";

// The Backtest, Simulation and Data tabs (and the chart library only the Backtest tab uses) load
// when first opened, so the Dashboard, the first screen, does not wait for them.
const BacktestTab = lazy(() =>
  import("./backtest/BacktestTab").then((module) => ({ default: module.BacktestTab })),
);
const SimulationTab = lazy(() =>
  import("./simulation/SimulationTab").then((module) => ({ default: module.SimulationTab })),
);
const DataTab = lazy(() => import("./data/DataTab").then((module) => ({ default: module.DataTab })));

interface TabSpec {
  id: string;
  label: MessageKey;
  render: (go: (id: string) => void) => ReactNode;
}

const TABS: TabSpec[] = [
  { id: "dashboard", label: "nav.dashboard", render: (go) => <DashboardTab onShowPerformance={() => go("simulation")} /> },
  { id: "backtest", label: "nav.backtest", render: () => <BacktestTab /> },
  { id: "simulation", label: "nav.simulation", render: () => <SimulationTab /> },
  { id: "data", label: "nav.data", render: () => <DataTab /> },
];

function tabFromHash(): string {
  const id = window.location.hash.replace(/^#/, "");
  return TABS.some((tab) => tab.id === id) ? id : (TABS[0]?.id ?? "");
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t("lang.label")}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          className={code === lang ? "lang active" : "lang"}
          aria-pressed={code === lang}
          title={t(`lang.${code}.name`)}
          onClick={() => setLang(code)}
          data-testid={`lang-${code}`}
        >
          {t(`lang.${code}`)}
        </button>
      ))}
    </div>
  );
}

export function App() {
  const { t } = useI18n();
  const [active, setActive] = useState<string>(tabFromHash);
  const current = TABS.find((tab) => tab.id === active) ?? TABS[0];

  useEffect(() => {
    const onHash = () => setActive(tabFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const go = useCallback((id: string) => {
    setActive(id);
    if (window.location.hash !== `#${id}`) window.history.replaceState(null, "", `#${id}`);
  }, []);

  return (
    <LiveProvider>
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <div>
            <h1>{t("app.name")}</h1>
            <p className="muted small">{t("app.subtitle")}</p>
          </div>
        </div>
        <nav className="tabs" role="tablist" aria-label={t("nav.label")}>
          {TABS.map((tab) => (
            <button
              key={tab.id}
              id={`tab-${tab.id}`}
              type="button"
              role="tab"
              aria-selected={tab.id === active}
              aria-controls={`panel-${tab.id}`}
              className={tab.id === active ? "tab active" : "tab"}
              onClick={() => go(tab.id)}
              data-testid={`tab-${tab.id}`}
            >
              {t(tab.label)}
            </button>
          ))}
        </nav>
        <LanguageSwitch />
      </header>
      {current ? (
        <main id={`panel-${current.id}`} role="tabpanel" aria-labelledby={`tab-${current.id}`} className="tab-panel">
          <Suspense fallback={<p className="muted">{t("sim.loading")}</p>}>{current.render(go)}</Suspense>
        </main>
      ) : null}
      <ConfirmationModal />
      <TokenPrompt />
    </div>
    </LiveProvider>
  );
}
