/** "Delete result" asks first, naming the run (see `ConfirmDialog`). */
import type { BacktestSummary } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
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
    <ConfirmDialog
      title={t("confirm.deleteTitle")}
      confirmLabel={t("btn.confirmDelete")}
      onConfirm={onConfirm}
      onCancel={onCancel}
      testId="confirm-delete"
    >
      <p>{t("confirm.delete", { name })}</p>
    </ConfirmDialog>
  );
}
