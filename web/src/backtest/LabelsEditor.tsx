/**
 * The user's notes and tags of one backtest (in its "Detailed statistics"): a notes
 * textarea and a tag editor, saved together with `PATCH /backtests/{id}`. The bounds are
 * the API's, checked as the user types (what was typed is never rewritten).
 */
import { useState, type FormEvent } from "react";

import { ApiError, updateBacktest } from "../api/client";
import type { BacktestSummary } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import { formatCount } from "../lib/format";

export const MAX_NOTES = 2000;
export const MAX_TAGS = 10;
export const MAX_TAG_CHARS = 32;
/** Letters and digits of any script, `_`, `-` and `.` (the API's rule). */
const TAG_PATTERN = new RegExp(`^[\\p{L}\\p{N}_.-]{1,${MAX_TAG_CHARS}}$`, "u");

type SaveState = { phase: "idle" | "saving" | "saved" } | { phase: "failed"; error: string };

interface LabelsEditorProps {
  summary: BacktestSummary;
  onSaved: (row: BacktestSummary) => void;
}

export function LabelsEditor({ summary, onSaved }: LabelsEditorProps) {
  const { t, locale } = useI18n();
  const [notes, setNotes] = useState(summary.notes ?? "");
  const [tags, setTags] = useState<string[]>(summary.tags ?? []);
  const [draft, setDraft] = useState("");
  const [tagError, setTagError] = useState<string | null>(null);
  const [save, setSave] = useState<SaveState>({ phase: "idle" });
  const max = formatCount(MAX_NOTES, locale);
  const notesError = notes.length > MAX_NOTES ? t("labels.errNotes", { max, n: formatCount(notes.length, locale) }) : null;

  const addTag = () => {
    const tag = draft.trim();
    if (!TAG_PATTERN.test(tag)) setTagError(t("labels.errTag", { chars: MAX_TAG_CHARS }));
    else if (tags.some((own) => own.toLocaleLowerCase() === tag.toLocaleLowerCase())) setTagError(t("labels.errDuplicate"));
    else if (tags.length >= MAX_TAGS) setTagError(t("labels.errTooMany", { max: MAX_TAGS }));
    else {
      setTags([...tags, tag]);
      setDraft("");
      setTagError(null);
      setSave({ phase: "idle" });
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (notesError !== null) return;
    setSave({ phase: "saving" });
    updateBacktest(summary.id, { notes, tags })
      .then((row) => {
        setSave({ phase: "saved" });
        onSaved(row);
      })
      .catch((error: unknown) => setSave({ phase: "failed", error: error instanceof ApiError || error instanceof Error ? error.message : String(error) }));
  };

  return (
    <section aria-labelledby="sec-labels" data-testid="labels-editor">
      <h3 id="sec-labels">{t("labels.title")}</h3>
      <form className="labels-form" onSubmit={submit}>
        <label className="field">
          <span>{t("labels.notes")}</span>
          <textarea
            rows={2}
            value={notes}
            aria-invalid={notesError !== null}
            onChange={(event) => {
              setNotes(event.target.value);
              setSave({ phase: "idle" });
            }}
            data-testid="labels-notes"
          />
          <span className={notesError ? "small neg" : "small muted"}>{notesError ?? t("labels.notesCount", { n: formatCount(notes.length, locale), max })}</span>
        </label>
        <div className="field">
          <span>{t("labels.tags")}</span>
          <div className="tag-editor">
            {tags.length === 0 ? <span className="muted small">{t("labels.noTags")}</span> : null}
            {tags.map((tag) => (
              <span key={tag} className="chip" data-testid="label-tag">
                {tag}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={t("labels.removeTag", { tag })}
                  onClick={() => {
                    setTags(tags.filter((own) => own !== tag));
                    setSave({ phase: "idle" });
                  }}
                >
                  ×
                </button>
              </span>
            ))}
            <input
              type="text"
              value={draft}
              aria-label={t("labels.newTag")}
              placeholder={t("labels.newTag")}
              aria-invalid={tagError !== null}
              onChange={(event) => {
                setDraft(event.target.value);
                setTagError(null);
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter") {
                  event.preventDefault();
                  addTag();
                }
              }}
              data-testid="labels-new-tag"
            />
            <button type="button" className="btn btn-small" onClick={addTag} disabled={draft.trim() === ""}>
              {t("labels.addTag")}
            </button>
          </div>
          <span className={tagError ? "small neg" : "small muted"} data-testid="labels-tag-help">
            {tagError ?? t("labels.tagHelp", { max: MAX_TAGS, chars: MAX_TAG_CHARS })}
          </span>
        </div>
        <div className="labels-actions">
          <button type="submit" className="btn" disabled={save.phase === "saving" || notesError !== null}>
            {save.phase === "saving" ? t("labels.saving") : t("labels.save")}
          </button>
          {save.phase === "saved" ? (
            <span className="small pos" role="status" data-testid="labels-saved">
              {t("labels.saved")}
            </span>
          ) : null}
          {save.phase === "failed" ? (
            <span className="small neg" role="alert" data-testid="labels-failed">
              {t("labels.failed", { error: save.error })}
            </span>
          ) : null}
        </div>
      </form>
    </section>
  );
}
