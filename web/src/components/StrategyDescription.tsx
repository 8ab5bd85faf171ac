/** A strategy's description under its picker, in the reader's language (see `usePluginText`). */
import { usePluginText } from "../lib/pluginText";

export function StrategyDescription({ strategy }: { strategy: { name: string; description?: string | null } | null | undefined }) {
  const texts = usePluginText();
  if (!strategy?.description) return null;
  return (
    <small className="help" data-testid="strategy-description">
      {texts.strategy(strategy.name, strategy.description)}
    </small>
  );
}
