/**
 * "Download more from Binance": symbol, timeframe and either the last N days or a UTC
 * date range; the job's progress (candles received of those missing) as a bar that
 * follows it, and Cancel (what was fetched stays; the same download again resumes).
 */
import { useState, type FormEvent } from "react";

import { cancelDownload, createDownload } from "../api/client";
import type { DownloadCreate, DownloadJob } from "../api/types";
import { Notice } from "../components/Notice";
import { ProgressBar } from "../components/ProgressBar";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/en";
import { messageOf } from "../lib/errors";
import { formatCount } from "../lib/format";
import { TIMEFRAMES } from "../lib/market";
import { isActive, useDownload } from "./useDownload";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

interface DownloadFormProps {
  symbols: string[];
  onEnded: () => void;
}

type Mode = "days" | "range";

/** The request, or the key of what is wrong with the fields. */
function request(symbol: string, timeframe: string, mode: Mode, days: string, start: string, end: string): DownloadCreate | MessageKey {
  const name = symbol.trim().toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(name)) return "data.badSymbol";
  if (mode === "days") {
    const count = Number(days);
    if (!/^\d+$/.test(days.trim()) || count < 1 || count > 3650) return "data.badDays";
    return { symbol: name, timeframe, days: count };
  }
  if (!DAY.test(start)) return "data.badStart";
  if (end !== "" && !DAY.test(end)) return "data.badEnd";
  if (end !== "" && start >= end) return "data.startAfterEnd";
  return end === "" ? { symbol: name, timeframe, start } : { symbol: name, timeframe, start, end };
}

export function DownloadForm({ symbols, onEnded }: DownloadFormProps) {
  const { t, locale } = useI18n();
  const [symbol, setSymbol] = useState(symbols[0] ?? "BTCUSDT");
  const [timeframe, setTimeframe] = useState("1m");
  const [mode, setMode] = useState<Mode>("days");
  const [days, setDays] = useState("7");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { job, error: pollError, setJob } = useDownload(null, onEnded);

  const built = request(symbol, timeframe, mode, days, start, end);
  const problem = typeof built === "string" ? built : null;
  const running = isActive(job);

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (typeof built === "string") return;
    setError(null);
    createDownload(built)
      .then(setJob)
      .catch((reason: unknown) => setError(messageOf(reason)));
  }

  function cancel(current: DownloadJob) {
    cancelDownload(current.id)
      .then(setJob)
      .catch((reason: unknown) => setError(messageOf(reason)));
  }

  return (
    <form onSubmit={submit} noValidate data-testid="download-form">
      <div className="form-grid">
        <div className="field">
          <label htmlFor="download-symbol">{t("data.symbol")}</label>
          <input id="download-symbol" type="text" list="download-symbols" aria-invalid={submitted && problem === "data.badSymbol"} value={symbol} onChange={(event) => setSymbol(event.target.value)} data-testid="download-symbol" />
          <datalist id="download-symbols">
            {symbols.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="download-tf">{t("data.timeframe")}</label>
          <select id="download-tf" value={timeframe} onChange={(event) => setTimeframe(event.target.value)} data-testid="download-tf">
            {TIMEFRAMES.map((tf) => <option key={tf}>{tf}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="download-mode">{t("data.period")}</label>
          <select id="download-mode" value={mode} onChange={(event) => setMode(event.target.value as Mode)} data-testid="download-mode">
            <option value="days">{t("data.lastDays")}</option>
            <option value="range">{t("data.dateRange")}</option>
          </select>
        </div>
        {mode === "days" ? (
          <div className="field">
            <label htmlFor="download-days">{t("data.daysBack")}</label>
            <input id="download-days" type="text" inputMode="numeric" aria-invalid={submitted && problem === "data.badDays"} value={days} onChange={(event) => setDays(event.target.value)} data-testid="download-days" />
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor="download-start">{t("data.startDay")}</label>
              <input id="download-start" type="date" aria-invalid={submitted && (problem === "data.badStart" || problem === "data.startAfterEnd")} value={start} onChange={(event) => setStart(event.target.value)} data-testid="download-start" />
            </div>
            <div className="field">
              <label htmlFor="download-end">{t("data.endDay")}</label>
              <input id="download-end" type="date" aria-invalid={submitted && problem === "data.badEnd"} value={end} onChange={(event) => setEnd(event.target.value)} data-testid="download-end" />
            </div>
          </>
        )}
      </div>
      {submitted && problem !== null ? <p className="field-error" data-testid="download-problem">{t(problem)}</p> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={running} data-testid="download-submit">
          {running ? t("data.downloading") : t("data.download")}
        </button>
        {job !== null ? (
          <div className="job-status" data-testid="download-job">
            <ProgressBar
              value={job.progress}
              label={t("data.progress")}
              text={t("data.progressText", { fetched: formatCount(job.fetched, locale), expected: formatCount(job.expected, locale), pages: job.pages })}
            />
            <span className={`badge badge-${job.status === "cancelled" ? "failed" : job.status}`} data-testid="download-status">
              {t(`data.status.${job.status}`)}
            </span>
            {job.status === "done" ? <span className="muted small"> {t("data.added", { n: formatCount(job.added, locale) })}</span> : null}
          </div>
        ) : null}
        {job !== null && running ? (
          <button type="button" className="btn" onClick={() => cancel(job)} data-testid="download-cancel">
            {t("data.cancel")}
          </button>
        ) : null}
      </div>
      {job?.status === "failed" && job.error ? <Notice kind="error">{t("data.downloadFailed", { error: job.error })}</Notice> : null}
      {job?.status === "cancelled" ? <Notice kind="info">{t("data.cancelledHint")}</Notice> : null}
      {error !== null ? <Notice kind="error">{t("data.downloadFailed", { error })}</Notice> : null}
      {pollError !== null ? <Notice kind="error">{t("data.downloadFailed", { error: pollError })}</Notice> : null}
    </form>
  );
}
