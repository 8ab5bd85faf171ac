/**
 * The API-token dialog: shown when the server needs a token (`auth_required`, or a
 * 401) and again, saying so, when it refused the one entered. The token is kept in
 * `sessionStorage` for this tab; a request waiting for it is retried once entered.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { answerTokenRequest } from "../api/auth";
import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { useTokenRequest } from "./useAuth";

export function TokenPrompt() {
  const { t } = useI18n();
  const request = useTokenRequest();
  const [value, setValue] = useState("");
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);

  // Each prompt starts empty (a refused token is not shown again), with the focus in the
  // field (after the dialog's own focus handling).
  useEffect(() => {
    if (request === null) return undefined;
    setValue("");
    const timer = window.setTimeout(() => input.current?.focus(), 0);
    return () => window.clearTimeout(timer);
  }, [request]);

  if (request === null) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) answerTokenRequest(value);
  };

  return (
    <Modal
      title={t("auth.title")}
      subtitle={t("auth.subtitle")}
      closeLabel={t("modal.close")}
      onClose={() => answerTokenRequest(null)}
      testId="token-prompt"
      size="narrow"
    >
      {request.reason === "wrong" ? (
        <Notice kind="error" testId="token-wrong">
          {t("auth.wrong")}
        </Notice>
      ) : null}
      <form onSubmit={submit} className="token-form">
        <div className="field">
          <label htmlFor={inputId}>{t("auth.label")}</label>
          <input
            id={inputId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            ref={input}
            data-testid="token-input"
          />
          <small className="help">{t("auth.help")}</small>
        </div>
        <div className="form-actions modal-actions">
          <button type="submit" className="btn btn-primary" disabled={!value.trim()} data-testid="token-submit">
            {t("auth.submit")}
          </button>
          <button type="button" className="btn" onClick={() => answerTokenRequest(null)}>
            {t("btn.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
