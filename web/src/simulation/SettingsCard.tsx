/**
 * Simulation settings (replay speed, confirmation TTL, the confirm toggle) and
 * risk settings (each circuit breaker: enabled + its limits). Values are
 * checked by the API; a refusal (HTTP 422) shows its detail and changes nothing.
 */
import { useEffect, useState, type FormEvent } from "react";

import { updateSettings } from "../api/client";
import type { AppSettings, RiskSettings } from "../api/types";
import { Notice } from "../components/Notice";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { BREAKERS } from "../lib/risk";
import { ConfirmToggle } from "../live/ConfirmToggle";
import { useLabel } from "../live/labels";
import { useLive } from "../live/LiveProvider";

type Draft = Record<string, string | boolean>;

function toDraft(values: Record<string, unknown>): Draft {
  const draft: Draft = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "boolean") draft[key] = value;
    else if (typeof value === "number" || typeof value === "string") draft[key] = String(value);
  }
  return draft;
}

/** Typed values of a draft (numbers parsed); the names of fields that are not numbers. */
function fromDraft(draft: Draft, original: Record<string, unknown>): { values: Record<string, unknown>; bad: string[] } {
  const values: Record<string, unknown> = {};
  const bad: string[] = [];
  for (const [key, raw] of Object.entries(draft)) {
    if (typeof raw === "boolean") {
      values[key] = raw;
      continue;
    }
    if (typeof original[key] === "string") {
      values[key] = raw;
      continue;
    }
    const number = raw.trim() === "" ? Number.NaN : Number(raw);
    if (Number.isFinite(number)) values[key] = number;
    else bad.push(key);
  }
  return { values, bad };
}

function changed(values: Record<string, unknown>, original: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([key, value]) => original[key] !== value));
}

function NumberField({ id, name, label, value, onChange, disabled }: { id: string; name: string; label: string; value: string; onChange: (v: string) => void; disabled: boolean }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} type="number" step="any" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** Save a patch and report the outcome; shared by both forms. */
function useSave(): { saving: boolean; error: string | null; saved: boolean; save: (patch: Record<string, unknown>) => void; fail: (message: string) => void } {
  const { t } = useI18n();
  const { setSettings } = useLive();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = (patch: Record<string, unknown>) => {
    setSaving(true);
    setError(null);
    setSaved(false);
    updateSettings(patch)
      .then((next) => {
        setSettings(next);
        setSaved(true);
      })
      .catch((reason: unknown) => setError(t("settings.saveError", { error: messageOf(reason) })))
      .finally(() => setSaving(false));
  };
  const fail = (message: string) => {
    setSaved(false);
    setError(message);
  };
  return { saving, error, saved, save, fail };
}

function SaveStatus({ error, saved, testId }: { error: string | null; saved: boolean; testId: string }) {
  const { t } = useI18n();
  if (error !== null) {
    return (
      <Notice kind="error" testId={`${testId}-error`}>
        {error}
      </Notice>
    );
  }
  return saved ? (
    <Notice kind="success" testId={`${testId}-saved`}>
      {t("settings.saved")}
    </Notice>
  ) : null;
}

const SIM_FIELDS = ["replay_speed", "pending_ttl_seconds"] as const;

export function SimSettingsCard({ settings }: { settings: AppSettings | null }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Draft>({});
  const { saving, error, saved, save, fail } = useSave();

  useEffect(() => {
    if (settings) setDraft(toDraft({ replay_speed: settings.replay_speed, pending_ttl_seconds: settings.pending_ttl_seconds }));
  }, [settings?.replay_speed, settings?.pending_ttl_seconds]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!settings) return;
    const original: Record<string, unknown> = { replay_speed: settings.replay_speed, pending_ttl_seconds: settings.pending_ttl_seconds };
    const { values, bad } = fromDraft(draft, original);
    if (bad.length > 0) {
      fail(t("settings.notNumber", { fields: bad.map((key) => t(`settings.${key}` as MessageKey)).join(", ") }));
      return;
    }
    save(changed(values, original));
  }

  return (
    <section className="card" aria-labelledby="sim-settings-title" data-testid="sim-settings">
      <h2 id="sim-settings-title">{t("settings.simTitle")}</h2>
      <ConfirmToggle id="sim-confirm-orders" />
      <form onSubmit={onSubmit} noValidate data-testid="sim-settings-form">
        <div className="form-grid">
          {SIM_FIELDS.map((key) => (
            <NumberField
              key={key}
              id={`set-${key}`}
              name={key}
              label={t(`settings.${key}`)}
              value={typeof draft[key] === "string" ? (draft[key] as string) : ""}
              disabled={settings === null || saving}
              onChange={(value) => setDraft((d) => ({ ...d, [key]: value }))}
            />
          ))}
        </div>
        <small className="help">{t("settings.speedHelp")}</small>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={settings === null || saving}>
            {t("settings.save")}
          </button>
        </div>
      </form>
      <SaveStatus error={error} saved={saved} testId="sim-settings" />
    </section>
  );
}

export function RiskSettingsCard({ risk }: { risk: RiskSettings | null }) {
  const { t } = useI18n();
  const label = useLabel();
  const [draft, setDraft] = useState<Draft>({});
  const { saving, error, saved, save, fail } = useSave();
  const riskKey = JSON.stringify(risk);

  useEffect(() => {
    if (risk) setDraft(toDraft(risk));
  }, [riskKey]);

  const known = new Set(BREAKERS.flatMap((b) => [`${b.name}_enabled`, ...b.fields]));
  const others = risk ? Object.keys(risk).filter((key) => !known.has(key)) : [];
  const disabled = risk === null || saving;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!risk) return;
    const { values, bad } = fromDraft(draft, risk);
    if (bad.length > 0) {
      fail(t("settings.notNumber", { fields: bad.map((key) => label("riskField", key)).join(", ") }));
      return;
    }
    save({ risk: changed(values, risk) });
  }

  const field = (key: string) =>
    typeof draft[key] === "boolean" ? (
      <div className="field field-check" key={key}>
        <label className="check" htmlFor={`risk-${key}`}>
          <input id={`risk-${key}`} type="checkbox" checked={draft[key] === true} disabled={disabled} onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.checked }))} />
          <span>{label("riskField", key)}</span>
        </label>
      </div>
    ) : (
      <NumberField
        key={key}
        id={`risk-${key}`}
        name={key}
        label={label("riskField", key)}
        value={typeof draft[key] === "string" ? (draft[key] as string) : ""}
        disabled={disabled}
        onChange={(value) => setDraft((d) => ({ ...d, [key]: value }))}
      />
    );

  return (
    <section className="card" aria-labelledby="risk-settings-title" data-testid="risk-settings">
      <h2 id="risk-settings-title">{t("settings.riskTitle")}</h2>
      {risk === null ? <p className="muted">{t("sim.loading")}</p> : null}
      <form onSubmit={onSubmit} noValidate data-testid="risk-settings-form">
        <div className="breakers">
          {risk !== null
            ? BREAKERS.filter((b) => `${b.name}_enabled` in risk || b.fields.some((f) => f in risk)).map((breaker) => {
                const flag = `${breaker.name}_enabled`;
                return (
                  <fieldset key={breaker.name} className="params breaker" data-breaker={breaker.name}>
                    <legend>
                      <label className="check" htmlFor={`risk-${flag}`}>
                        <input
                          id={`risk-${flag}`}
                          type="checkbox"
                          checked={draft[flag] === true}
                          disabled={disabled || typeof draft[flag] !== "boolean"}
                          onChange={(e) => setDraft((d) => ({ ...d, [flag]: e.target.checked }))}
                          aria-label={t("settings.breakerEnabled", { breaker: label("risk", breaker.name) })}
                        />
                        <span>{label("risk", breaker.name)}</span>
                      </label>
                    </legend>
                    <div className="form-grid">{breaker.fields.filter((f) => f in risk).map(field)}</div>
                  </fieldset>
                );
              })
            : null}
          {others.length > 0 ? (
            <fieldset className="params breaker" data-breaker="other">
              <legend>{t("settings.otherRisk")}</legend>
              <div className="form-grid">{others.map(field)}</div>
            </fieldset>
          ) : null}
        </div>
        <small className="help">{t("settings.riskHelp")}</small>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={disabled}>
            {t("settings.saveRisk")}
          </button>
        </div>
      </form>
      <SaveStatus error={error} saved={saved} testId="risk-settings" />
    </section>
  );
}
