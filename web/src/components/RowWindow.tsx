/**
 * Windowing for long tables: only the rows in view (plus a margin) are rendered, and two
 * spacer rows keep the scroll height of the whole list. Rows are assumed to share one
 * height, measured from a rendered row. Lists of up to `minRows` render whole.
 */
import { type RefObject, type UIEvent, useCallback, useLayoutEffect, useRef, useState } from "react";

export interface RowWindow {
  /** The scrolling element (give it a fixed or maximum height). */
  scroller: RefObject<HTMLDivElement | null>;
  onScroll: (event: UIEvent<HTMLDivElement>) => void;
  /** Rows `[first, last)` are rendered. */
  first: number;
  last: number;
  /** Heights of the spacer rows above and below them, in px. */
  padTop: number;
  padBottom: number;
  windowed: boolean;
}

const ESTIMATED_ROW_PX = 30;
const DEFAULT_VIEW_PX = 400;

/** The window of `count` rows to render; `rowSelector` finds a rendered row to measure. */
export function useRowWindow(count: number, rowSelector: string, minRows = 100, overscan = 10): RowWindow {
  const scroller = useRef<HTMLDivElement | null>(null);
  const [view, setView] = useState({ top: 0, height: DEFAULT_VIEW_PX });
  const [rowPx, setRowPx] = useState(ESTIMATED_ROW_PX);
  const windowed = count > minRows;

  const onScroll = useCallback((event: UIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    setView({ top: element.scrollTop, height: element.clientHeight });
  }, []);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || !windowed) return;
    const row = element.querySelector<HTMLElement>(rowSelector);
    const measured = row?.getBoundingClientRect().height ?? 0;
    if (measured > 0 && Math.abs(measured - rowPx) > 0.5) setRowPx(measured);
    if (element.clientHeight > 0 && element.clientHeight !== view.height) {
      setView({ top: element.scrollTop, height: element.clientHeight });
    }
  });

  if (!windowed) return { scroller, onScroll, first: 0, last: count, padTop: 0, padBottom: 0, windowed };
  const first = Math.max(0, Math.floor(view.top / rowPx) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowPx) + overscan);
  return { scroller, onScroll, first, last, padTop: first * rowPx, padBottom: (count - last) * rowPx, windowed };
}

/** The spacer row standing for the rows above or below the window (nothing when `height` is 0). */
export function SpacerRow({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" style={{ height }}>
      <td colSpan={columns} />
    </tr>
  );
}
