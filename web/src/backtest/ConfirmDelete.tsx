/**
 * "Delete result" asks first: a small dialog naming the run, with "Yes, delete" and
 * "Cancel" (Esc, the close button or a click beside it cancel too).
 */
import type { BacktestSummary } from "../api/types";
import { Modal } from "../components/Modal";
import { useI18n } from "../i18n/I18nProvider";
import { formatPeriod } from "../lib/format";
import { runName } from "./resultsView";

interface ConfirmDeleteProps {
  row: BacktestSummary;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDelete({ row, onConfirm, onCancel }: ConfirmDeleteProps) {
  const { t } = useI18n();
  const name = `${runName(row)} (${formatPeriod(row.start, row.end)})`;
  return (
    <Modal title={t("confirm.deleteTitle")} closeLabel={t("modal.close")} onClose={onCancel} testId="confirm-delete" size="narrow">
      <p>{t("confirm.delete", { name })}</p>
      <div className="toolbar">
        <button type="button" className="btn btn-danger" onClick={onConfirm} data-testid="confirm-delete-yes">
          {t("btn.confirmDelete")}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t("btn.cancel")}
        </button>
      </div>
    </Modal>
  );
}
