/**
 * A series primitive of the candle series that draws what the built-in series cannot:
 * the strategy's zones as shaded bands (behind the candles), and each trade's entry → exit
 * connector with its stop-loss and take-profit as short horizontal segments over the
 * trade's life (above them), the focused trade highlighted. Only what intersects the
 * visible bars is drawn, so thousands of trades cost nothing off screen.
 */
import type {
  IChartApi,
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  Logical,
  PrimitivePaneViewZOrder,
  SeriesAttachedParameter,
  SeriesType,
  Time,
} from "lightweight-charts";

import { COLORS, lowerBound, type TradePath, zoneColors } from "./chartData";

type Target = Parameters<IPrimitivePaneRenderer["draw"]>[0];

/** A zone as drawn: kind, first and last bar (epoch seconds), price band. */
export interface ZoneBand {
  kind: string;
  start: number;
  end: number;
  low: number;
  high: number;
}

/** Shortest drawn width of a trade's SL/TP segments, in pixels. */
const MIN_SEGMENT = 8;

class View implements IPrimitivePaneView {
  constructor(
    private readonly order: PrimitivePaneViewZOrder,
    private readonly paint: (target: Target) => void,
  ) {}

  zOrder(): PrimitivePaneViewZOrder {
    return this.order;
  }

  renderer(): IPrimitivePaneRenderer {
    return { draw: this.paint };
  }
}

export class TradeLayer implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null;
  private series: ISeriesApi<SeriesType> | null = null;
  private requestUpdate: (() => void) | null = null;
  private zones: ZoneBand[] = [];
  private trades: TradePath[] = [];
  private showTrades = true;
  private focused: number | null = null;
  private readonly views: readonly IPrimitivePaneView[];

  /** `times`: the candle series' bar times (epoch seconds, ascending). */
  constructor(private readonly times: number[]) {
    this.views = [new View("bottom", (target) => this.drawZones(target)), new View("normal", (target) => this.drawTrades(target))];
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.chart = param.chart as IChartApi;
    this.series = param.series;
    this.requestUpdate = param.requestUpdate;
  }

  detached(): void {
    this.chart = null;
    this.series = null;
    this.requestUpdate = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  setZones(zones: ZoneBand[]): void {
    this.zones = zones;
    this.requestUpdate?.();
  }

  setTrades(trades: TradePath[], visible: boolean): void {
    this.trades = trades;
    this.showTrades = visible;
    this.requestUpdate?.();
  }

  setFocus(index: number | null): void {
    this.focused = index;
    this.requestUpdate?.();
  }

  /** The bar index of a time (the first bar at or after it). */
  private bar(time: number): number {
    return Math.min(lowerBound(this.times, time), Math.max(0, this.times.length - 1));
  }

  /** x of a bar time, and whether [start, end] intersects the visible bars. */
  private span(start: number, end: number): [number, number] | null {
    const chart = this.chart;
    if (chart === null) return null;
    const scale = chart.timeScale();
    const range = scale.getVisibleLogicalRange();
    const first = this.bar(start);
    const last = this.bar(end);
    if (range === null || last < range.from - 1 || first > range.to + 1) return null;
    const x1 = scale.logicalToCoordinate(first as Logical);
    const x2 = scale.logicalToCoordinate(last as Logical);
    return x1 === null || x2 === null ? null : [x1, x2];
  }

  private y(price: number | null): number | null {
    return price === null || this.series === null ? null : this.series.priceToCoordinate(price);
  }

  private drawZones(target: Target): void {
    target.useMediaCoordinateSpace(({ context }) => {
      for (const zone of this.zones) {
        const xs = this.span(zone.start, zone.end);
        const top = this.y(zone.high);
        const bottom = this.y(zone.low);
        if (xs === null || top === null || bottom === null) continue;
        const [fill, edge] = zoneColors(zone.kind);
        const width = Math.max(xs[1] - xs[0], 2);
        const height = Math.max(bottom - top, 1);
        context.fillStyle = fill;
        context.fillRect(xs[0], top, width, height);
        context.strokeStyle = edge;
        context.lineWidth = 1;
        context.strokeRect(xs[0] + 0.5, top + 0.5, width, height);
      }
    });
  }

  private drawTrades(target: Target): void {
    target.useMediaCoordinateSpace(({ context, mediaSize }) => {
      const focused = this.focused === null ? undefined : this.trades[this.focused];
      if (focused) {
        const xs = this.span(focused.entry, focused.exit);
        if (xs !== null) {
          context.fillStyle = COLORS.focus;
          context.fillRect(xs[0] - 6, 0, xs[1] - xs[0] + 12, mediaSize.height);
        }
      }
      if (!this.showTrades && !focused) return;
      for (const trade of this.showTrades ? this.trades : focused ? [focused] : []) {
        const xs = this.span(trade.entry, trade.exit);
        if (xs === null) continue;
        const [x1, x2] = xs;
        const strong = trade === focused;
        const right = Math.max(x2, x1 + MIN_SEGMENT);
        for (const [price, color] of [
          [trade.stop, COLORS.stop],
          [trade.target, COLORS.target],
        ] as const) {
          const y = this.y(price);
          if (y === null) continue;
          context.strokeStyle = color;
          context.lineWidth = strong ? 2 : 1;
          context.setLineDash([]);
          context.beginPath();
          context.moveTo(x1, y);
          context.lineTo(right, y);
          context.stroke();
        }
        const y1 = this.y(trade.entryPrice);
        const y2 = this.y(trade.exitPrice);
        if (y1 === null || y2 === null) continue;
        context.strokeStyle = trade.pnl >= 0 ? COLORS.long : COLORS.short;
        context.lineWidth = strong ? 2.5 : 1.25;
        context.setLineDash([4, 3]);
        context.beginPath();
        context.moveTo(x1, y1);
        context.lineTo(x2, y2);
        context.stroke();
      }
      context.setLineDash([]);
    });
  }
}
