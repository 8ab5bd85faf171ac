/**
 * A question before an action that cannot be undone (deleting a result, closing a
 * position): the question, a danger button that does it and "Cancel" (Esc, the close
 * button or a click beside the dialog cancel too). Focus starts on the close button, so
 * Enter alone never does the irreversible thing.
 */
import type { ReactNode } from "react";

import { Modal } from "./Modal";
import { useI18n } from "../i18n/I18nProvider";

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
}

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, testId }: ConfirmDialogProps) {
  const { t } = useI18n();
  return (
    <Modal title={title} closeLabel={t("modal.close")} onClose={onCancel} testId={testId} size="narrow">
      {children}
      <div className="toolbar">
        <button type="button" className="btn btn-danger" onClick={onConfirm} data-testid={`${testId}-yes`}>
          {confirmLabel}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t("btn.cancel")}
        </button>
      </div>
    </Modal>
  );
}
