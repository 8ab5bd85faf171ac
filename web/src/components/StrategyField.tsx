/** The strategy picker of a form: a labelled select of every plugin (name and version)
 * with the chosen one's description under it, in the reader's language. */
import type { StrategyInfo } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { StrategyDescription } from "./StrategyDescription";

export function StrategyField({
  id,
  strategies,
  value,
  strategy,
  disabled,
  onSelect,
}: {
  id: string;
  strategies: StrategyInfo[];
  value: string;
  strategy: StrategyInfo | null | undefined;
  disabled: boolean;
  onSelect: (next: StrategyInfo) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{t("form.strategy")}</label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(event) => {
          const next = strategies.find((s) => s.name === event.target.value);
          if (next) onSelect(next);
        }}
      >
        {strategies.map((s) => (
          <option key={s.name} value={s.name}>
            {s.name} v{s.version}
          </option>
        ))}
      </select>
      <StrategyDescription strategy={strategy} />
    </div>
  );
}
