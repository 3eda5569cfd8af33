import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { assetHref } from "../catalog/asset-row.js";
import { ErrorNote } from "../layout/error-note.js";
import { TextInput } from "../layout/text-input.js";
import { CARD_ZOOM, GROUP_ZOOM, LineageScene, MAX_CARDS, shortKey, type View } from "./lineage-scene.js";

const MAX_MATCHES = 8;

/**
 * The whole asset graph, laid out by the server (`lineageLayout`, cached per graph) and drawn on
 * a canvas with levels of detail: zoomed out, groups as boxes with their dependencies; closer,
 * every asset in view as a rectangle coloured by its sync state (outlined red when a check
 * fails); closer still, names, then React cards for the few hundred assets in view. Drag to pan,
 * wheel to zoom, find an asset by name, click one to open it. A materialization arriving live
 * recolours its node without refetching the graph; a location registering refetches it.
 * `?focus=<key>` opens centred on an asset.
 */
export function LineagePage() {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const focusKey = new URLSearchParams(useSearch()).get("focus");
  const layout = useQuery({ queryKey: ["lineage-layout"], queryFn: () => client.lineageLayout() });
  // States apart from the layout: the layout is cached per graph on the server, the states are read now.
  const states = useQuery({ queryKey: ["lineage-states"], queryFn: () => client.lineageStates() });
  const scene = useMemo(() => (layout.data ? new LineageScene(layout.data) : null), [layout.data]);

  const stage = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const cardLayer = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ x: 0, y: 0, k: 1 });
  const size = useRef({ width: 0, height: 0 });
  const frame = useRef<number | null>(null);
  const selected = useRef<number | null>(null);
  const [cards, setCards] = useState<number[]>([]);
  const [mode, setMode] = useState<"groups" | "nodes" | "cards">("groups");
  const [, setLiveVersion] = useState(0);

  const drawNow = () => {
    const ctx = canvas.current?.getContext("2d");
    if (!scene || !ctx) return;
    const { width, height } = size.current;
    const v = view.current;
    const visible = scene.draw(ctx, v, width, height, selected.current);
    // For tests and the curious: when the graph was first painted (performance.now()).
    if (!canvas.current!.dataset.paintedAt) canvas.current!.dataset.paintedAt = String(Math.round(performance.now()));
    if (cardLayer.current) cardLayer.current.style.transform = `translate(${v.x}px, ${v.y}px) scale(${v.k})`;
    const nextMode = v.k < GROUP_ZOOM ? "groups" : v.k >= CARD_ZOOM && visible.length <= MAX_CARDS ? "cards" : "nodes";
    setMode(nextMode);
    const next = nextMode === "cards" ? visible : [];
    setCards((current) => (sameNodes(current, next) ? current : next));
  };
  const redraw = () => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = null;
      drawNow();
    });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new scene (or focus) resets the view; `redraw` reads refs only.
  useEffect(() => {
    const el = canvas.current;
    if (!el || !scene) return;
    const resize = () => {
      const ratio = window.devicePixelRatio || 1;
      size.current = { width: el.clientWidth, height: el.clientHeight };
      el.width = el.clientWidth * ratio;
      el.height = el.clientHeight * ratio;
      redraw();
    };
    resize();
    const focus = focusKey === null ? undefined : scene.keyIndex.get(focusKey);
    selected.current = focus ?? null;
    view.current =
      focus === undefined
        ? scene.fit(size.current.width, size.current.height)
        : scene.centreOn(focus, size.current.width, size.current.height);
    redraw();
    window.addEventListener("resize", resize);
    return () => window.removeEventListener("resize", resize);
  }, [scene, focusKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `redraw` reads refs only.
  useEffect(() => {
    if (scene && states.data && scene.applyStates(states.data)) {
      setLiveVersion((v) => v + 1);
      redraw();
    }
  }, [scene, states.data]);

  useSubscription(
    scene ? "lineage-materialized" : null,
    (c) => c.assetMaterialized(),
    (materialization) => {
      const n = scene?.keyIndex.get(materialization.assetKey);
      if (!scene || n === undefined) return;
      scene.setStatus(n, "SYNCED");
      const ctx = canvas.current?.getContext("2d");
      if (ctx && view.current.k >= GROUP_ZOOM) scene.paintNode(ctx, view.current, n, selected.current);
      canvas.current?.setAttribute("data-repainted", materialization.assetKey);
      if (cards.includes(n)) setLiveVersion((v) => v + 1);
    },
  );
  useSubscription(
    "lineage-locations",
    (c) => c.codeLocationChanged(),
    () => {
      void queryClient.invalidateQueries({ queryKey: ["lineage-layout"] });
      void queryClient.invalidateQueries({ queryKey: ["lineage-states"] });
    },
  );

  const focusOn = (n: number) => {
    if (!scene) return;
    selected.current = n;
    view.current = scene.centreOn(n, size.current.width, size.current.height);
    redraw();
  };

  const toGraph = (clientX: number, clientY: number) => {
    const rect = stage.current!.getBoundingClientRect();
    const { x, y, k } = view.current;
    return { gx: (clientX - rect.left - x) / k, gy: (clientY - rect.top - y) / k };
  };
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const onClick = (clientX: number, clientY: number, target: EventTarget) => {
    if (!scene) return;
    const card = (target as HTMLElement).closest?.("[data-key]");
    if (card) return navigate(assetHref(card.getAttribute("data-key")!));
    const { gx, gy } = toGraph(clientX, clientY);
    if (view.current.k >= GROUP_ZOOM) {
      const n = scene.nodeAt(gx, gy);
      if (n !== null) navigate(assetHref(scene.layout.keys[n]!));
      return;
    }
    const g = scene.groupAt(gx, gy);
    if (g === null) return;
    // A group clicked zoomed out: zoom to show it whole.
    const box = scene.layout.groups[g]!;
    const { width, height } = size.current;
    const k = Math.max(GROUP_ZOOM, Math.min(1, Math.min(width / box.width, height / box.height) * 0.9));
    view.current = { k, x: width / 2 - (box.x + box.width / 2) * k, y: height / 2 - (box.y + box.height / 2) * k };
    redraw();
  };

  const data = layout.data;
  return (
    <div className="page lineage">
      <h1>
        Lineage{" "}
        <span className="muted" data-testid="lineage-summary">
          {data ? `${data.keys.length.toLocaleString()} assets, ${(data.edges.length / 2).toLocaleString()} edges` : "loading…"}
        </span>
        {data && <span className="muted"> · {data.groups.length.toLocaleString()} groups</span>}
      </h1>
      <ErrorNote error={layout.error ?? states.error} />
      <div className="lineage-toolbar">
        {scene && <FindAsset scene={scene} onPick={focusOn} />}
        <span className="lineage-legend muted">
          <i className="status-synced" /> in sync <i className="status-unsynced" /> unsynced <i className="status-missing" /> never
          materialized <i className="status-external" /> defined by no location <i className="failing" /> a check failing
        </span>
      </div>
      <div
        ref={stage}
        className="lineage-stage"
        role="application"
        aria-label="Lineage graph: drag to pan, wheel to zoom, click an asset to open it"
        data-testid="lineage-stage"
        data-mode={mode}
        onWheel={(event) => {
          const rect = event.currentTarget.getBoundingClientRect();
          const v = view.current;
          const k = Math.min(3, Math.max(0.004, v.k * Math.exp(-event.deltaY / 500)));
          const mx = event.clientX - rect.left;
          const my = event.clientY - rect.top;
          view.current = { k, x: mx - ((mx - v.x) / v.k) * k, y: my - ((my - v.y) / v.k) * k };
          redraw();
        }}
        onMouseDown={(event) => {
          drag.current = { x: event.clientX, y: event.clientY, moved: false };
          event.preventDefault();
        }}
        onMouseMove={(event) => {
          const d = drag.current;
          if (!d) return;
          const dx = event.clientX - d.x;
          const dy = event.clientY - d.y;
          view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy };
          drag.current = { x: event.clientX, y: event.clientY, moved: d.moved || Math.abs(dx) + Math.abs(dy) > 2 };
          redraw();
        }}
        onMouseUp={(event) => {
          const d = drag.current;
          drag.current = null;
          if (!d?.moved) onClick(event.clientX, event.clientY, event.target);
        }}
        onMouseLeave={() => (drag.current = null)}
      >
        <canvas ref={canvas} className="lineage-canvas" data-testid="lineage-canvas" data-nodes={data?.keys.length ?? 0} />
        <div ref={cardLayer} className="lineage-cards">
          {scene && cards.map((n) => <LineageCard key={n} scene={scene} n={n} selected={selected.current === n} />)}
        </div>
      </div>
    </div>
  );
}

function sameNodes(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function LineageCard({ scene, n, selected }: { scene: LineageScene; n: number; selected: boolean }) {
  const { keys, x, y, nodeWidth, nodeHeight, groups, group } = scene.layout;
  const status = scene.statusOf(n);
  const key = keys[n]!;
  return (
    <div
      className={`lineage-card status-${status.toLowerCase()}${scene.failing[n] ? " failing" : ""}${selected ? " selected" : ""}`}
      data-testid="lineage-card"
      data-key={key}
      data-status={status}
      title={key}
      style={{ left: x[n], top: y[n], width: nodeWidth, height: nodeHeight }}
    >
      <span className="name">{shortKey(key)}</span>
      <span className="group">{groups[group[n]!]!.name}</span>
    </div>
  );
}

/** Finds assets by a part of their key, in the layout the page already has; picking one centres it. */
function FindAsset({ scene, onPick }: { scene: LineageScene; onPick(n: number): void }) {
  const [text, setText] = useState("");
  const matches = useMemo(() => {
    const needle = text.trim().toLowerCase();
    if (!needle) return [];
    const found: number[] = [];
    const { keys } = scene.layout;
    for (let n = 0; n < keys.length && found.length < MAX_MATCHES; n++) if (keys[n]!.toLowerCase().includes(needle)) found.push(n);
    return found;
  }, [text, scene]);
  const pick = (n: number) => {
    onPick(n);
    setText("");
  };
  return (
    <div className="lineage-find">
      <TextInput
        type="search"
        aria-label="Find an asset"
        placeholder="Find an asset…"
        value={text}
        onChange={setText}
        onKeyDown={(event) => {
          if (event.key === "Enter" && matches[0] !== undefined) pick(matches[0]);
        }}
      />
      {matches.length > 0 && (
        <ul className="lineage-matches" data-testid="lineage-matches">
          {matches.map((n) => (
            <li key={n}>
              <button type="button" onClick={() => pick(n)}>
                {scene.layout.keys[n]}
              </button>
            </li>
          ))}
        </ul>
      )}
      {text.trim() && matches.length === 0 && <span className="muted">No asset matches</span>}
    </div>
  );
}
