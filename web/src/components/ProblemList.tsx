/** The validation problems of a form, as one error notice. */
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { Notice } from "./Notice";

interface Problem {
  key: MessageKey;
  vars?: Record<string, string | number>;
}

export function ProblemList({ problems, testId }: { problems: readonly Problem[]; testId: string }) {
  const { t } = useI18n();
  if (problems.length === 0) return null;
  return (
    <Notice kind="error" testId={testId}>
      <strong>{t("form.errorsTitle")}</strong>
      <ul>
        {problems.map((problem, index) => (
          <li key={index}>{t(problem.key, problem.vars)}</li>
        ))}
      </ul>
    </Notice>
  );
}
