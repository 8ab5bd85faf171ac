/** The "Confirm order execution" checkbox (`PATCH /settings {confirm_orders}`). */
import { useState } from "react";

import { updateSettings } from "../api/client";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { useLive } from "./LiveProvider";

export function ConfirmToggle({ id }: { id: string }) {
  const { t } = useI18n();
  const { settings, setSettings } = useLive();
  const [saving, setSaving] = useState(false);
  // The value being saved, shown at once (cleared when the server answered).
  const [wanted, setWanted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  function toggle(next: boolean) {
    setSaving(true);
    setWanted(next);
    setError(null);
    updateSettings({ confirm_orders: next })
      .then(setSettings)
      .catch((reason: unknown) => setError(t("settings.saveError", { error: messageOf(reason) })))
      .finally(() => {
        setSaving(false);
        setWanted(null);
      });
  }

  return (
    <div className="confirm-toggle">
      <label className="check" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={wanted ?? settings?.confirm_orders ?? false}
          disabled={settings === null || saving}
          onChange={(event) => toggle(event.target.checked)}
          data-testid={id}
        />
        <span className="strong">{t("settings.confirmOrders")}</span>
      </label>
      <small className="help">{(wanted ?? settings?.confirm_orders) ? t("settings.confirmOn") : t("settings.confirmOff")}</small>
      {error !== null ? <Notice kind="error">{error}</Notice> : null}
    </div>
  );
}
