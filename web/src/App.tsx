/**
 * Application shell: header with the app name, the tab bar and the language
 * switch. Tabs are declared in `TABS`; adding a section means adding an entry.
 */
import { useState, type ReactNode } from "react";

import { BacktestTab } from "./backtest/BacktestTab";
import type { MessageKey } from "./i18n/en";
import { LANGUAGES, useI18n } from "./i18n/I18nProvider";

interface TabSpec {
  id: string;
  label: MessageKey;
  render: () => ReactNode;
}

const TABS: TabSpec[] = [{ id: "backtest", label: "nav.backtest", render: () => <BacktestTab /> }];

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
  const [active, setActive] = useState<string>(TABS[0]?.id ?? "");
  const current = TABS.find((tab) => tab.id === active) ?? TABS[0];

  return (
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
              onClick={() => setActive(tab.id)}
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
          {current.render()}
        </main>
      ) : null}
    </div>
  );
}
