/**
 * "Delete range": the UTC range to delete from one stored candle file (prefilled with
 * its whole span), then a confirmation naming exactly what goes; the deletion is one
 * atomic write on the server.
 */
import { useState } from "react";

import { deleteCandleRange } from "../api/client";
import type { CandlesDeleted, TimeframeCoverage } from "../api/types";
import { Modal } from "../components/Modal";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { messageOf } from "../lib/errors";
import { formatTime } from "../lib/format";

interface DeleteModalProps {
  symbol: string;
  row: TimeframeCoverage;
  onClose: () => void;
  onDeleted: (result: CandlesDeleted) => void;
}

/** An ISO time as a `datetime-local` value (UTC, minutes). */
function toInput(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16);
}

/** A `datetime-local` value (read as UTC) as an ISO time; null when it is not one. */
export function fromInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  const date = new Date(`${value}:00Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function DeleteModal({ symbol, row, onClose, onDeleted }: DeleteModalProps) {
  const { t } = useI18n();
  const [start, setStart] = useState(() => toInput(row.first));
  const [end, setEnd] = useState(() => toInput(row.last));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const startIso = fromInput(start);
  const endIso = fromInput(end);
  const reversed = startIso !== null && endIso !== null && startIso >= endIso;
  const problem = startIso === null ? t("data.badStart") : endIso === null ? t("data.badEnd") : reversed ? t("data.startAfterEnd") : null;

  function remove() {
    if (startIso === null || endIso === null) return;
    setBusy(true);
    setError(null);
    deleteCandleRange(symbol, row.timeframe, startIso, endIso)
      .then(onDeleted)
      .catch((reason: unknown) => {
        setError(messageOf(reason));
        setConfirming(false);
      })
      .finally(() => setBusy(false));
  }

  return (
    <Modal title={t("data.deleteTitle", { symbol, timeframe: row.timeframe })} subtitle={t("data.deleteHint")} closeLabel={t("modal.close")} onClose={onClose} size="narrow" testId="delete-modal">
      {error !== null ? <Notice kind="error">{t("data.deleteFailed", { error })}</Notice> : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="delete-start">{t("data.rangeStart")}</label>
          <input id="delete-start" type="datetime-local" aria-invalid={startIso === null} value={start} onChange={(event) => { setStart(event.target.value); setConfirming(false); }} data-testid="delete-start" />
        </div>
        <div className="field">
          <label htmlFor="delete-end">{t("data.rangeEnd")}</label>
          <input id="delete-end" type="datetime-local" aria-invalid={endIso === null || reversed} value={end} onChange={(event) => { setEnd(event.target.value); setConfirming(false); }} data-testid="delete-end" />
        </div>
      </div>
      {problem !== null ? <p className="field-error" data-testid="delete-problem">{problem}</p> : null}
      {confirming && startIso !== null && endIso !== null ? (
        <div className="confirm" role="alertdialog" aria-label={t("data.confirmDelete")} data-testid="delete-confirm">
          <span>{t("data.confirmText", { symbol, timeframe: row.timeframe, start: formatTime(startIso), end: formatTime(endIso) })}</span>
          <button type="button" className="btn btn-danger btn-small" onClick={remove} disabled={busy} data-testid="delete-yes">
            {t("data.confirmDelete")}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)} disabled={busy}>
            {t("data.back")}
          </button>
        </div>
      ) : (
        <div className="form-actions">
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)} disabled={problem !== null} data-testid="delete-submit">
            {t("data.deleteRange")}
          </button>
        </div>
      )}
    </Modal>
  );
}
