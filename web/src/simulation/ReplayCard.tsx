/**
 * Replay controls of the Simulation tab: "bar X of N" with a progress bar, pause /
 * resume, one-bar steps while paused, a speed applied to the running replay at once
 * (it continues from its cursor), and a new replay from a start date (and an optional
 * end) at the chosen speed.
 */
import { useEffect, useState } from "react";

import { changeReplay, listSymbols, pauseSimulation, resumeSimulation, startSimulation, stepSimulation } from "../api/client";
import type { EngineStatus } from "../api/types";
import { Notice } from "../components/Notice";
import { useI18n } from "../i18n/I18nProvider";
import { utcDate } from "../lib/dates";
import { messageOf } from "../lib/errors";
import { formatCount, formatNumber } from "../lib/format";
import { spanOf } from "../lib/market";
import { useLive } from "../live/LiveProvider";

/** Speeds offered (× real time); `max` plays as fast as the engine goes. */
const SPEEDS = ["1", "10", "60", "120", "300", "600", "1800", "3600", "9000", "36000", "max"];

/** The select's value of a speed (null: as fast as possible). */
function speedValue(speed: number | null | undefined): string {
  return speed == null ? "max" : String(speed);
}

/** The stored days of every symbol together (`YYYY-MM-DD`), if any. */
function storedDays(spans: { first: string; last: string }[]): { first: string; last: string } | null {
  if (spans.length === 0) return null;
  const firsts = spans.map((s) => utcDate(s.first)).sort();
  const lasts = spans.map((s) => utcDate(s.last)).sort();
  return { first: firsts[0] ?? "", last: lasts[lasts.length - 1] ?? "" };
}

interface DateFieldProps {
  id: string;
  label: string;
  value: string;
  days: { first: string; last: string } | null;
  disabled: boolean;
  onChange: (value: string) => void;
}

/** A UTC date picker bounded by the stored days (what is typed is kept as typed). */
function DateField({ id, label, value, days, disabled, onChange }: DateFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={value}
        min={days?.first}
        max={days?.last}
        disabled={disabled}
        aria-describedby="replay-range-hint"
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

export function ReplayCard() {
  const { t, locale } = useI18n();
  const { status, settings, setStatus, refresh } = useLive();
  const replay = status?.replay ?? null;
  const running = status?.state === "running";
  const replaying = running && status?.feed === "replay" && replay !== null;
  const paused = replaying && replay.paused;
  const [chosenSpeed, setChosenSpeed] = useState<string | null>(null);
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [days, setDays] = useState<{ first: string; last: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    listSymbols(controller.signal)
      .then((symbols) => setDays(storedDays(symbols.flatMap((symbol) => spanOf(symbol) ?? []))))
      .catch(() => setDays(null)); // the bounds only guide the picker
    return () => controller.abort();
  }, []);

  const newSpeed = chosenSpeed ?? speedValue(settings?.replay_speed);
  const speed = replaying ? speedValue(status?.speed) : newSpeed;
  const speeds = SPEEDS.includes(speed) ? SPEEDS : [speed, ...SPEEDS];
  const rangeError = start !== "" && end !== "" && start >= end ? t("replay.errRange") : null;

  function act(action: () => Promise<EngineStatus>) {
    setBusy(true);
    setError(null);
    action()
      .then(setStatus)
      .catch((reason: unknown) => setError(t("sim.actionError", { error: messageOf(reason) })))
      .finally(() => {
        setBusy(false);
        refresh();
      });
  }

  function changeSpeed(value: string) {
    if (!replaying) {
      setChosenSpeed(value);
      return;
    }
    act(() => changeReplay({ speed: value === "max" ? "max" : Number(value) }));
  }

  function startReplay() {
    act(() =>
      startSimulation({
        feed: "replay",
        speed: newSpeed === "max" ? "max" : Number(newSpeed),
        ...(start !== "" ? { start } : {}),
        ...(end !== "" ? { end } : {}),
      }),
    );
  }

  const fraction = replay && replay.bars > 0 ? replay.bar / replay.bars : 0;
  const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  const progressText = replay ? t("replay.progress", { bar: formatCount(replay.bar, locale), bars: formatCount(replay.bars, locale) }) : "—";
  const played = (status?.pairs ?? []).some((pair) => pair.bars > 0);
  return (
    <section className="card" aria-labelledby="replay-title" data-testid="replay-card">
      <div className="card-head">
        <h2 id="replay-title">{t("replay.title")}</h2>
        <span className={`badge badge-${paused ? "paused" : replaying ? "running" : "stopped"}`} data-testid="replay-state">
          {t(paused ? "replay.paused" : replaying ? "replay.playing" : "replay.idle")}
        </span>
      </div>
      <div className="progress-wrap">
        <div
          className="progress"
          role="progressbar"
          aria-label={t("replay.progressLabel")}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          data-testid="replay-progress"
          data-bar={replay?.bar ?? ""}
          data-bars={replay?.bars ?? ""}
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <span className="progress-text" data-testid="replay-progress-text">
          {progressText}
        </span>
      </div>
      <div className="form-actions">
        {paused ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => act(resumeSimulation)}>
            {t("replay.resume")}
          </button>
        ) : (
          <button type="button" className="btn" disabled={busy || !replaying} onClick={() => act(pauseSimulation)}>
            {t("replay.pause")}
          </button>
        )}
        <button type="button" className="btn" disabled={busy || !paused} onClick={() => act(stepSimulation)} title={t("replay.stepHelp")}>
          {t("replay.step")}
        </button>
        <label className="inline-field">
          <span>{t("replay.speed")}</span>
          <select value={speed} disabled={busy} onChange={(event) => changeSpeed(event.target.value)} data-testid="replay-speed">
            {speeds.map((value) => (
              <option key={value} value={value}>
                {value === "max" ? t("sim.speedMax") : `${formatNumber(Number(value), locale, 0)}×`}
              </option>
            ))}
          </select>
        </label>
      </div>
      <h3 className="small">{t("replay.new")}</h3>
      <div className="form-grid">
        <DateField id="replay-start" label={t("replay.start")} value={start} days={days} disabled={busy || running} onChange={setStart} />
        <DateField id="replay-end" label={t("replay.end")} value={end} days={days} disabled={busy || running} onChange={setEnd} />
      </div>
      <small id="replay-range-hint" className="help">
        {days ? t("replay.rangeHint", { first: days.first, last: days.last }) : t("replay.rangeHintNone")}
        {played ? ` ${t("replay.continues")}` : ""}
      </small>
      {rangeError !== null ? (
        <Notice kind="error" testId="replay-range-error">
          {rangeError}
        </Notice>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={busy || running || rangeError !== null || status === null} onClick={startReplay}>
          {t("replay.startReplay")}
        </button>
      </div>
      {error !== null ? (
        <Notice kind="error" testId="replay-error">
          {error}
        </Notice>
      ) : null}
    </section>
  );
}
