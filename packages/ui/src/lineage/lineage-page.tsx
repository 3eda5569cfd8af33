import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { useLocation } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { assetHref } from "../catalog/asset-row.js";
import { ErrorNote } from "../layout/error-note.js";
import { layeredLayout } from "./layered-layout.js";

const COLUMN = 260;
const ROW = 36;
const NODE_W = 220;
const NODE_H = 26;
const PALETTE = ["#3a5ccc", "#2f9e66", "#c2702c", "#8a4fbf", "#1f8a9e", "#b8437a", "#6b7d2a", "#5b6474"];

/**
 * The whole asset graph on one canvas: a layered layout computed in the page, nodes coloured by
 * group (outlined when never materialized), pan by dragging, zoom with the wheel, labels once
 * zoomed in, a click opens the asset. A first slice: the server-side, cached layout with
 * group-level detail for 10,000+ assets is still to come.
 */
export function LineagePage() {
  const { client } = useStrata();
  const [, navigate] = useLocation();
  const lineage = useQuery({ queryKey: ["lineage"], queryFn: () => client.lineage() });
  const graph = useMemo(() => {
    const nodes = lineage.data?.nodes ?? [];
    const index = new Map(nodes.map((n, i) => [n.key, i]));
    const edges = (lineage.data?.edges ?? []).flatMap((e) => {
      const from = index.get(e.upstream);
      const to = index.get(e.downstream);
      return from === undefined || to === undefined ? [] : [[from, to] as const];
    });
    const groups = [...new Set(nodes.map((n) => n.definition?.group ?? ""))].sort();
    return { nodes, edges, layout: layeredLayout(nodes.length, edges), groups };
  }, [lineage.data]);

  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef({ x: 20, y: 20, k: 1 });
  const frame = useRef<number | null>(null);
  const draw = useRef(() => {});
  draw.current = () => {
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx) return;
    const { x, y, k } = view.current;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, el.width, el.height);
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * x, ratio * y);
    const { nodes, edges, layout, groups } = graph;
    const px = (n: number) => layout.rank[n]! * COLUMN;
    const py = (n: number) => layout.row[n]! * ROW;
    ctx.strokeStyle = "rgba(100,110,125,0.35)";
    ctx.lineWidth = 1 / k;
    ctx.beginPath();
    for (const [from, to] of edges) {
      ctx.moveTo(px(from) + NODE_W, py(from) + NODE_H / 2);
      ctx.lineTo(px(to), py(to) + NODE_H / 2);
    }
    ctx.stroke();
    ctx.font = "12px system-ui, sans-serif";
    nodes.forEach((node, n) => {
      const colour = PALETTE[groups.indexOf(node.definition?.group ?? "") % PALETTE.length]!;
      ctx.fillStyle = node.lastMaterializedAt ? colour : "#ffffff";
      ctx.strokeStyle = colour;
      ctx.fillRect(px(n), py(n), NODE_W, NODE_H);
      ctx.strokeRect(px(n), py(n), NODE_W, NODE_H);
      if (k > 0.45) {
        ctx.fillStyle = node.lastMaterializedAt ? "#ffffff" : "#1d232b";
        ctx.fillText(node.key.length > 32 ? `${node.key.slice(0, 31)}…` : node.key, px(n) + 8, py(n) + 17, NODE_W - 12);
      }
    });
  };
  const redraw = () => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = null;
      draw.current();
    });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: redraw when the graph changes; `redraw` reads refs only.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const resize = () => {
      const ratio = window.devicePixelRatio || 1;
      el.width = el.clientWidth * ratio;
      el.height = el.clientHeight * ratio;
      redraw();
    };
    resize();
    window.addEventListener("resize", resize);
    return () => window.removeEventListener("resize", resize);
  }, [graph]);

  const nodeAt = (clientX: number, clientY: number): number | null => {
    const rect = canvas.current!.getBoundingClientRect();
    const { x, y, k } = view.current;
    const gx = (clientX - rect.left - x) / k;
    const gy = (clientY - rect.top - y) / k;
    const rank = Math.floor(gx / COLUMN);
    const row = Math.floor(gy / ROW);
    if (gx - rank * COLUMN > NODE_W || gy - row * ROW > NODE_H) return null;
    for (let n = 0; n < graph.nodes.length; n++) if (graph.layout.rank[n] === rank && graph.layout.row[n] === row) return n;
    return null;
  };
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);

  return (
    <div className="page lineage">
      <h1>
        Lineage{" "}
        <span className="muted" data-testid="lineage-summary">
          {graph.nodes.length.toLocaleString()} assets, {graph.edges.length.toLocaleString()} edges
        </span>
      </h1>
      <ErrorNote error={lineage.error} />
      <canvas
        ref={canvas}
        className="lineage-canvas"
        data-testid="lineage-canvas"
        data-nodes={graph.nodes.length}
        onWheel={(event) => {
          const rect = event.currentTarget.getBoundingClientRect();
          const v = view.current;
          const k = Math.min(4, Math.max(0.02, v.k * Math.exp(-event.deltaY / 500)));
          const mx = event.clientX - rect.left;
          const my = event.clientY - rect.top;
          view.current = { k, x: mx - ((mx - v.x) / v.k) * k, y: my - ((my - v.y) / v.k) * k };
          redraw();
        }}
        onMouseDown={(event) => (drag.current = { x: event.clientX, y: event.clientY, moved: false })}
        onMouseMove={(event) => {
          const d = drag.current;
          if (!d) return;
          view.current = { ...view.current, x: view.current.x + event.clientX - d.x, y: view.current.y + event.clientY - d.y };
          drag.current = {
            x: event.clientX,
            y: event.clientY,
            moved: d.moved || Math.abs(event.movementX) + Math.abs(event.movementY) > 2,
          };
          redraw();
        }}
        onMouseUp={(event) => {
          const d = drag.current;
          drag.current = null;
          if (d?.moved) return;
          const n = nodeAt(event.clientX, event.clientY);
          if (n !== null) navigate(assetHref(graph.nodes[n]!.key));
        }}
        onMouseLeave={() => (drag.current = null)}
      />
    </div>
  );
}
