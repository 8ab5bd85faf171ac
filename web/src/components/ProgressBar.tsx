/** A labelled progress bar (0..1) exposed as `role="progressbar"`. */
interface ProgressBarProps {
  value: number;
  label: string;
  text?: string;
}

export function ProgressBar({ value, label, text }: ProgressBarProps) {
  const percent = Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * 100);
  return (
    <div className="progress-wrap">
      <div
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        data-testid="backtest-progress"
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      {text ? <span className="progress-text">{text}</span> : null}
    </div>
  );
}
