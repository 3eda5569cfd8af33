import type { LineageLayout, LineageStates } from "@strata/sdk";

/** The view: graph point (gx, gy) is drawn at screen point (x + gx·k, y + gy·k). */
export interface View {
  x: number;
  y: number;
  k: number;
}

/** Below this zoom, groups are drawn as boxes with their dependencies; above, their assets. */
export const GROUP_ZOOM = 0.12;
/** From this zoom, asset names are written on the canvas. */
export const LABEL_ZOOM = 0.45;
/** From this zoom, the assets in view are React cards over the canvas (a few hundred at most). */
export const CARD_ZOOM = 0.75;
export const MAX_CARDS = 300;

export type NodeStatus = "MISSING" | "SYNCED" | "UNSYNCED" | "EXTERNAL";
const STATUS_CODES: readonly NodeStatus[] = ["EXTERNAL", "MISSING", "SYNCED", "UNSYNCED"];
const FILL: Record<NodeStatus, string> = { EXTERNAL: "#dde1e6", MISSING: "#ffffff", SYNCED: "#2f9e66", UNSYNCED: "#e0a13a" };
const TEXT: Record<NodeStatus, string> = { EXTERNAL: "#1d232b", MISSING: "#1d232b", SYNCED: "#ffffff", UNSYNCED: "#1d232b" };
const GROUP_PALETTE = ["#3a5ccc", "#2f9e66", "#c2702c", "#8a4fbf", "#1f8a9e", "#b8437a", "#6b7d2a", "#5b6474"];
/** The spatial index's cell, in graph pixels. */
const CELL = 1024;

/**
 * What the lineage canvas draws, indexed for drawing only what is in view: a grid of cells over
 * the graph lists the nodes in each, so a frame costs the nodes and edges on screen (or the
 * groups, zoomed out), never the whole graph. Node states are a typed array the page updates in
 * place when a materialization arrives; `paintNode` repaints one node.
 */
export class LineageScene {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly status: Uint8Array;
  readonly failing: Uint8Array;
  private readonly cells = new Map<number, number[]>();
  private readonly incident: number[][];
  private readonly drawn: Int32Array;
  private frame = 0;
  readonly keyIndex: Map<string, number>;

  constructor(readonly layout: LineageLayout) {
    const { keys, x, y, edges, groups, nodeWidth, nodeHeight } = layout;
    this.count = keys.length;
    this.keyIndex = new Map(keys.map((key, i) => [key, i]));
    this.status = new Uint8Array(this.count);
    this.failing = new Uint8Array(this.count);
    for (let n = 0; n < this.count; n++) {
      const cell = this.cellOf(x[n]!, y[n]!);
      const list = this.cells.get(cell);
      if (list) list.push(n);
      else this.cells.set(cell, [n]);
    }
    this.incident = Array.from({ length: this.count }, () => []);
    for (let e = 0; e < edges.length; e += 2) {
      this.incident[edges[e]!]!.push(e);
      this.incident[edges[e + 1]!]!.push(e);
    }
    this.drawn = new Int32Array(edges.length / 2);
    this.width = Math.max(nodeWidth, ...groups.map((g) => g.x + g.width));
    this.height = Math.max(nodeHeight, ...groups.map((g) => g.y + g.height));
  }

  private cellOf(x: number, y: number): number {
    return Math.floor(y / CELL) * 65_536 + Math.floor(x / CELL);
  }

  /** Takes the states fetched for this graph (ignored when they belong to another graph). */
  applyStates(states: LineageStates): boolean {
    if (states.graphHash !== this.layout.graphHash) return false;
    for (let n = 0; n < this.count; n++) {
      this.setStatus(n, states.syncStates[n] ?? "EXTERNAL");
      this.failing[n] = states.checkHealth[n] === "FAILING" ? 1 : 0;
    }
    return true;
  }

  statusOf(n: number): NodeStatus {
    return STATUS_CODES[this.status[n]!]!;
  }

  setStatus(n: number, status: NodeStatus): void {
    this.status[n] = STATUS_CODES.indexOf(status);
  }

  /** The view that shows the whole graph in a canvas of the given size. */
  fit(width: number, height: number): View {
    const k = Math.min(1, Math.max(0.004, Math.min(width / this.width, height / this.height) * 0.95));
    return { k, x: (width - this.width * k) / 2, y: Math.max(8, (height - this.height * k) / 2) };
  }

  /** The view centred on node `n` at zoom `k`. */
  centreOn(n: number, width: number, height: number, k = 1): View {
    const { x, y, nodeWidth, nodeHeight } = this.layout;
    return { k, x: width / 2 - (x[n]! + nodeWidth / 2) * k, y: height / 2 - (y[n]! + nodeHeight / 2) * k };
  }

  /** The nodes whose boxes meet the graph rectangle [x0, x1] × [y0, y1]. */
  nodesIn(x0: number, y0: number, x1: number, y1: number): number[] {
    const { x, y, nodeWidth, nodeHeight } = this.layout;
    const found: number[] = [];
    for (let cy = Math.floor((y0 - nodeHeight) / CELL); cy <= Math.floor(y1 / CELL); cy++) {
      for (let cx = Math.floor((x0 - nodeWidth) / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        for (const n of this.cells.get(cy * 65_536 + cx) ?? []) {
          if (x[n]! + nodeWidth >= x0 && x[n]! <= x1 && y[n]! + nodeHeight >= y0 && y[n]! <= y1) found.push(n);
        }
      }
    }
    return found;
  }

  nodeAt(gx: number, gy: number): number | null {
    return this.nodesIn(gx, gy, gx, gy)[0] ?? null;
  }

  groupAt(gx: number, gy: number): number | null {
    const index = this.layout.groups.findIndex((g) => gx >= g.x && gx <= g.x + g.width && gy >= g.y && gy <= g.y + g.height);
    return index < 0 ? null : index;
  }

  /**
   * Draws one frame and returns the nodes in view (empty when zoomed out to groups). Edges are
   * those touching a node in view; an edge whose two ends are both off screen is not drawn.
   */
  draw(ctx: CanvasRenderingContext2D, view: View, width: number, height: number, selected: number | null): number[] {
    const { k } = view;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * view.x, ratio * view.y);
    const x0 = -view.x / k;
    const y0 = -view.y / k;
    const x1 = (width - view.x) / k;
    const y1 = (height - view.y) / k;
    const groups = this.layout.groups;
    const inView = (g: (typeof groups)[number]) => g.x + g.width >= x0 && g.x <= x1 && g.y + g.height >= y0 && g.y <= y1;

    ctx.lineWidth = 1 / k;
    groups.forEach((g, i) => {
      if (!inView(g)) return;
      const colour = GROUP_PALETTE[i % GROUP_PALETTE.length]!;
      ctx.fillStyle = k < GROUP_ZOOM ? `${colour}22` : "#f3f5f8";
      ctx.strokeStyle = colour;
      ctx.fillRect(g.x, g.y, g.width, g.height);
      ctx.strokeRect(g.x, g.y, g.width, g.height);
    });

    if (k < GROUP_ZOOM) {
      this.drawGroupEdges(ctx, k);
      this.drawGroupNames(ctx, view, ratio, inView, true);
      return [];
    }

    const { x, y, edges, nodeWidth, nodeHeight } = this.layout;
    const visible = this.nodesIn(x0, y0, x1, y1);
    this.frame++;
    ctx.strokeStyle = "rgba(100,110,125,0.45)";
    ctx.beginPath();
    for (const n of visible) {
      for (const e of this.incident[n]!) {
        if (this.drawn[e / 2] === this.frame) continue;
        this.drawn[e / 2] = this.frame;
        const from = edges[e]!;
        const to = edges[e + 1]!;
        ctx.moveTo(x[from]! + nodeWidth, y[from]! + nodeHeight / 2);
        ctx.lineTo(x[to]!, y[to]! + nodeHeight / 2);
      }
    }
    ctx.stroke();

    // One path per colour: a frame of thousands of nodes is a handful of fill calls.
    for (let code = 0; code < STATUS_CODES.length; code++) {
      ctx.fillStyle = FILL[STATUS_CODES[code]!];
      ctx.beginPath();
      for (const n of visible) if (this.status[n] === code) ctx.rect(x[n]!, y[n]!, nodeWidth, nodeHeight);
      ctx.fill();
    }
    ctx.strokeStyle = "#a5adb8";
    ctx.beginPath();
    for (const n of visible) ctx.rect(x[n]!, y[n]!, nodeWidth, nodeHeight);
    ctx.stroke();
    ctx.strokeStyle = "#d2463c";
    ctx.lineWidth = 3 / k;
    ctx.beginPath();
    for (const n of visible) if (this.failing[n]) ctx.rect(x[n]!, y[n]!, nodeWidth, nodeHeight);
    ctx.stroke();
    if (selected !== null) {
      ctx.strokeStyle = "#3a5ccc";
      ctx.lineWidth = 4 / k;
      ctx.strokeRect(x[selected]! - 4, y[selected]! - 4, nodeWidth + 8, nodeHeight + 8);
    }
    if (k >= LABEL_ZOOM && k < CARD_ZOOM) {
      ctx.font = "13px system-ui, sans-serif";
      for (const n of visible) {
        ctx.fillStyle = TEXT[this.statusOf(n)];
        ctx.fillText(shortKey(this.layout.keys[n]!), x[n]! + 8, y[n]! + 19, nodeWidth - 14);
      }
    }
    this.drawGroupNames(ctx, view, ratio, inView, false);
    return visible;
  }

  /** Repaints node `n` alone (a live state change), if it is in view. */
  paintNode(ctx: CanvasRenderingContext2D, view: View, n: number, selected: number | null): void {
    const { x, y, nodeWidth, nodeHeight } = this.layout;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio * view.k, 0, 0, ratio * view.k, ratio * view.x, ratio * view.y);
    ctx.lineWidth = 1 / view.k;
    ctx.fillStyle = FILL[this.statusOf(n)];
    ctx.strokeStyle = this.failing[n] ? "#d2463c" : "#a5adb8";
    ctx.fillRect(x[n]!, y[n]!, nodeWidth, nodeHeight);
    ctx.strokeRect(x[n]!, y[n]!, nodeWidth, nodeHeight);
    if (view.k >= LABEL_ZOOM && view.k < CARD_ZOOM) {
      ctx.font = "13px system-ui, sans-serif";
      ctx.fillStyle = TEXT[this.statusOf(n)];
      ctx.fillText(shortKey(this.layout.keys[n]!), x[n]! + 8, y[n]! + 19, nodeWidth - 14);
    }
    if (selected === n) {
      ctx.strokeStyle = "#3a5ccc";
      ctx.lineWidth = 4 / view.k;
      ctx.strokeRect(x[n]! - 4, y[n]! - 4, nodeWidth + 8, nodeHeight + 8);
    }
  }

  private drawGroupEdges(ctx: CanvasRenderingContext2D, k: number): void {
    const { groups, groupEdges } = this.layout;
    ctx.strokeStyle = "rgba(90,100,115,0.5)";
    for (let i = 0; i < groupEdges.length; i += 3) {
      const from = groups[groupEdges[i]!]!;
      const to = groups[groupEdges[i + 1]!]!;
      ctx.lineWidth = (1 + Math.log2(groupEdges[i + 2]!)) / k;
      ctx.beginPath();
      ctx.moveTo(from.x + from.width, from.y + from.height / 2);
      ctx.lineTo(to.x, to.y + to.height / 2);
      ctx.stroke();
    }
  }

  /** Group names in screen pixels (readable at any zoom), where the box is wide enough for them. */
  private drawGroupNames(
    ctx: CanvasRenderingContext2D,
    view: View,
    ratio: number,
    inView: (g: LineageLayout["groups"][number]) => boolean,
    withCounts: boolean,
  ): void {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.fillStyle = "#1d232b";
    for (const g of this.layout.groups) {
      const width = g.width * view.k;
      if (width < 60 || !inView(g)) continue;
      const count = withCounts ? ` · ${g.assetCount}` : "";
      // The longest of these that fits, never squeezed: the location, then the count, go first.
      const label = [`${g.location ? `${g.location} / ` : ""}${g.name}${count}`, `${g.name}${count}`, g.name].find(
        (text) => ctx.measureText(text).width <= width - 12,
      );
      if (label) ctx.fillText(label, view.x + g.x * view.k + 6, view.y + g.y * view.k + 15);
    }
  }
}

export function shortKey(key: string): string {
  return key.length > 30 ? `…${key.slice(-29)}` : key;
}
