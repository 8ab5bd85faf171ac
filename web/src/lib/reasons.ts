/**
 * Server reasons in the reader's language. The API sends, beside its English `reason`
 * text (the CLI / JSON contract), a stable code and the numbers it names
 * (`min_rr`, `{rr: 2.1, min: 3}`); the message of `reasonCode.<code>` is filled with them.
 * A code without a full message falls back to its short label (`signalReason.<code>`),
 * an unknown code or none to the server's text.
 *
 * A strategy breaker's code is its parts joined by `+` (`sb_cooldown+signal_blocked`: the
 * condition, then the effect; a hold's part first): each part's message, joined by "; "
 * (by a space after a part ending in ":"). A scope param (`of`: whose records were
 * counted, `blocked`: what is blocked) holds its key (`global`, `strategy:NAME`,
 * `symbol:SYM`) and is said in words (`scopeWords.<param>.<kind>`); a `side` param
 * (`long`, `short`) by its label (`side.<side>`); a hold's time left (`left`, the English
 * `9m00s`) from its seconds (`left_s`) in the reader's units.
 */
import type { MessageKey } from "../i18n/en";
import { hasMessage, useI18n, type Vars } from "../i18n/I18nProvider";
import { formatDuration, formatQty, formatTime } from "./format";

export type ReasonParams = Record<string, number | string> | null | undefined;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const SCOPE_PARAMS = new Set(["of", "blocked"]);

/**
 * `(code, params, text) → message` of the dictionary's `<prefix>.<code>` filled with the
 * params (numbers through format.ts, ISO times as UTC), or null when there is no such
 * message or it names a param not given.
 */
export function useCodeMessage(prefix: string): (code: string | null | undefined, params: ReasonParams) => string | null {
  const { t, locale } = useI18n();
  const scopeWords = (param: string, key: string): string => {
    const [kind, name = ""] = key.includes(":") ? key.split(/:(.*)/s) : [key];
    const words = `scopeWords.${param}.${kind}`;
    return hasMessage(words) ? t(words, { name }) : key;
  };
  return (code, params) => {
    if (!code) return null;
    const vars: Vars = {};
    for (const [name, value] of Object.entries(params ?? {})) {
      if (typeof value === "number") vars[name] = formatQty(value, locale);
      else if (SCOPE_PARAMS.has(name)) vars[name] = scopeWords(name, value);
      else if (name === "side" && hasMessage(`side.${value}`)) vars[name] = t(`side.${value}` as MessageKey);
      else vars[name] = ISO_TIME.test(value) ? `${formatTime(value)} UTC` : value;
    }
    // A hold's time left: its seconds (`left_s`) in the reader's units, over the English `9m00s`.
    if (typeof params?.left_s === "number") vars.left = formatDuration(params.left_s, { h: t("unit.h"), m: t("unit.m"), s: t("unit.s") });
    let said = "";
    for (const part of code.split("+")) {
      const full = `${prefix}.${part}`;
      if (!hasMessage(full)) return null;
      const message = t(full, vars);
      if (/\{\w+\}/.test(message)) return null;
      said = said === "" ? message : `${said}${said.endsWith(":") ? " " : "; "}${message}`;
    }
    return said;
  };
}

/** `(code, params, text) → message`; see the module. */
export function useReasonText(): (code: string | null | undefined, params: ReasonParams, text: string) => string {
  const { t } = useI18n();
  const message = useCodeMessage("reasonCode");
  return (code, params, text) => {
    if (!code) return text;
    const full = message(code, params);
    if (full !== null) return full;
    const short = `signalReason.${code}`;
    return hasMessage(short) ? t(short as MessageKey) : text;
  };
}

/** `(code, params, text) → message` of a coded text without short labels (`gateNote`,
 * `degradedCode`): the dictionary's message filled in, else the server's text. */
export function useCodedText(prefix: string): (code: string | null | undefined, params: ReasonParams, text: string) => string {
  const message = useCodeMessage(prefix);
  return (code, params, text) => message(code, params) ?? text;
}

/** A degraded run's substitutions in the reader's language: each `degraded` line said from
 * its `degraded_codes` item (`degradedCode.<code>`), else the line itself (a result or an
 * index row stored before codes). */
export function useDegradedLines(): (lines: readonly string[] | undefined, codes: readonly { code: string; params?: ReasonParams }[] | undefined) => string[] {
  const coded = useCodedText("degradedCode");
  return (lines, codes) => (lines ?? []).map((line, index) => coded(codes?.[index]?.code, codes?.[index]?.params, line));
}
