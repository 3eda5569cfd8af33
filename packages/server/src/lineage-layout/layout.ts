/**
 * The global lineage graph's layout: pure, bounded, O(V + E·sweeps). Imports nothing, so the
 * layout worker can load it alone.
 *
 * Hierarchical, as users read a large graph: each group (a location's asset group) is laid out
 * on its own grid of columns (ranks) and rows, then the groups are laid out the same way as the
 * nodes of a graph whose edges are the dependencies between groups, their columns wrapped into
 * bands when that graph is deep. A group's box is the level
 * of detail drawn at low zoom; its nodes appear when zoomed in.
 *
 * Within a grid, a node's column is its longest path from a root (Kahn's order); rows are ordered
 * by barycenter sweeps, alternately on upstream and downstream neighbours. Small grids get more
 * sweeps (fewer crossings); large ones few, so the time stays linear. A cycle (possible between
 * groups, never between assets of a valid manifest) is broken where Kahn's order stalls.
 */

/** Where nodes and groups sit, in pixels of the unzoomed graph. */
export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  /** Horizontal distance between a grid's columns, and vertical between its rows. */
  column: number;
  row: number;
  /** Padding inside a group's box, the room above its nodes for its name, and the gap between boxes. */
  padding: number;
  header: number;
  gap: number;
}

export const LAYOUT_SIZES: LayoutSizes = { nodeWidth: 220, nodeHeight: 28, column: 280, row: 40, padding: 16, header: 28, gap: 80 };

export interface LayoutInput {
  nodeCount: number;
  groupCount: number;
  /** The group of each node, 0 ≤ group < groupCount. */
  groupOf: Int32Array;
  /** Edges as [upstream, downstream] pairs of node indexes. */
  edges: Int32Array;
}

export interface LayoutResult {
  x: Int32Array;
  y: Int32Array;
  groupX: Int32Array;
  groupY: Int32Array;
  groupWidth: Int32Array;
  groupHeight: Int32Array;
  /** Dependencies between groups as [upstream group, downstream group, edge count] triples. */
  groupEdges: Int32Array;
}

/** A grid's nodes, by rank and row. */
interface Grid {
  rank: Int32Array;
  row: Int32Array;
  ranks: number;
  rows: number;
}

/** Sweeps of the row ordering for grids up to this many nodes; larger grids get two. */
const SMALL_GRID = 300;
const SMALL_SWEEPS = 12;
const LARGE_SWEEPS = 2;
/** Graph pixels: about four screens at the zoom where names can be read. */
const MIN_BAND_WIDTH = 8_000;

/**
 * A layered grid of `count` nodes with the given adjacency (`up[n]`: n's upstream neighbours).
 * Deterministic: equal inputs give equal grids.
 */
export function layeredGrid(count: number, up: readonly number[][], down: readonly number[][]): Grid {
  const rank = new Int32Array(count);
  const indegree = new Int32Array(count);
  for (let n = 0; n < count; n++) indegree[n] = up[n]!.length;
  const done = new Uint8Array(count);
  const queue: number[] = [];
  for (let n = 0; n < count; n++) if (indegree[n] === 0) queue.push(n);
  let head = 0;
  let stalled = 0;
  while (queue.length < count || head < queue.length) {
    if (head === queue.length) {
      // A cycle: take the first node not yet placed, as if its remaining upstream edges were not there.
      while (done[stalled] || indegree[stalled] === 0) stalled++;
      indegree[stalled] = 0;
      queue.push(stalled);
    }
    const n = queue[head++]!;
    done[n] = 1;
    for (const d of down[n]!) {
      if (done[d] || indegree[d] === 0) continue;
      rank[d] = Math.max(rank[d]!, rank[n]! + 1);
      if (--indegree[d]! === 0) queue.push(d);
    }
  }
  let ranks = 0;
  for (let n = 0; n < count; n++) ranks = Math.max(ranks, rank[n]! + 1);
  const columns: number[][] = Array.from({ length: ranks }, () => []);
  for (const n of queue) columns[rank[n]!]!.push(n);
  const row = new Int32Array(count);
  const place = () => {
    for (const column of columns) for (let i = 0; i < column.length; i++) row[column[i]!] = i;
  };
  place();
  const weight = new Float64Array(count);
  const sweeps = count <= SMALL_GRID ? SMALL_SWEEPS : LARGE_SWEEPS;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const downward = sweep % 2 === 0;
    const neighbours = downward ? up : down;
    for (let i = 0; i < ranks; i++) {
      const column = columns[downward ? i : ranks - 1 - i]!;
      for (const n of column) {
        const around = neighbours[n]!;
        let sum = 0;
        for (const m of around) sum += row[m]!;
        weight[n] = around.length ? sum / around.length : row[n]!;
      }
      column.sort((a, b) => weight[a]! - weight[b]! || row[a]! - row[b]!);
      for (let r = 0; r < column.length; r++) row[column[r]!] = r;
    }
  }
  let rows = 0;
  for (const column of columns) rows = Math.max(rows, column.length);
  return { rank, row, ranks, rows };
}

function adjacencyOf(count: number): { up: number[][]; down: number[][] } {
  return { up: Array.from({ length: count }, () => []), down: Array.from({ length: count }, () => []) };
}

export function layoutLineage(input: LayoutInput, sizes: LayoutSizes = LAYOUT_SIZES): LayoutResult {
  const { nodeCount, groupCount, groupOf, edges } = input;
  // Each node's index within its group.
  const local = new Int32Array(nodeCount);
  const members: number[][] = Array.from({ length: groupCount }, () => []);
  for (let n = 0; n < nodeCount; n++) {
    const group = members[groupOf[n]!]!;
    local[n] = group.length;
    group.push(n);
  }
  const inner = members.map((m) => adjacencyOf(m.length));
  const outer = adjacencyOf(groupCount);
  const crossing = new Map<number, number>();
  for (let e = 0; e < edges.length; e += 2) {
    const from = edges[e]!;
    const to = edges[e + 1]!;
    const g = groupOf[from]!;
    const h = groupOf[to]!;
    if (g === h) {
      inner[g]!.up[local[to]!]!.push(local[from]!);
      inner[g]!.down[local[from]!]!.push(local[to]!);
      continue;
    }
    const pair = g * groupCount + h;
    const seen = crossing.get(pair);
    crossing.set(pair, (seen ?? 0) + 1);
    if (seen === undefined) {
      outer.up[h]!.push(g);
      outer.down[g]!.push(h);
    }
  }

  const grids = members.map((m, g) => layeredGrid(m.length, inner[g]!.up, inner[g]!.down));
  const groupWidth = new Int32Array(groupCount);
  const groupHeight = new Int32Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    const grid = grids[g]!;
    groupWidth[g] = 2 * sizes.padding + Math.max(0, grid.ranks - 1) * sizes.column + sizes.nodeWidth;
    groupHeight[g] = 2 * sizes.padding + sizes.header + Math.max(0, grid.rows - 1) * sizes.row + sizes.nodeHeight;
  }

  // The groups' own grid: columns as wide as their widest box, boxes stacked in row order.
  const outerGrid = layeredGrid(groupCount, outer.up, outer.down);
  const columns: number[][] = Array.from({ length: outerGrid.ranks }, () => []);
  for (let g = 0; g < groupCount; g++) columns[outerGrid.rank[g]!]!.push(g);
  const columnWidth = columns.map((column) => Math.max(0, ...column.map((g) => groupWidth[g]!)));
  const columnHeight = columns.map((column) => column.reduce((sum, g) => sum + groupHeight[g]! + sizes.gap, -sizes.gap));
  // A deep graph of groups would make one long strip: its columns wrap into bands, left to right
  // then top to bottom, about as wide as a screen's proportions (16:9) of the whole make them;
  // a graph narrower than MIN_BAND_WIDTH never wraps.
  const totalWidth = columnWidth.reduce((sum, w) => sum + w + sizes.gap, 0);
  const meanHeight = columnHeight.reduce((sum, h) => sum + h, 0) / Math.max(1, columns.length);
  const bandWidth = Math.max(MIN_BAND_WIDTH, Math.sqrt((16 / 9) * totalWidth * meanHeight), ...columnWidth);
  const groupX = new Int32Array(groupCount);
  const groupY = new Int32Array(groupCount);
  let bandX = 0;
  let bandY = 0;
  let bandHeight = 0;
  columns.forEach((column, r) => {
    if (bandX > 0 && bandX + columnWidth[r]! > bandWidth) {
      bandY += bandHeight + 2 * sizes.gap;
      bandX = 0;
      bandHeight = 0;
    }
    column.sort((a, b) => outerGrid.row[a]! - outerGrid.row[b]!);
    let y = bandY;
    for (const g of column) {
      groupX[g] = bandX;
      groupY[g] = y;
      y += groupHeight[g]! + sizes.gap;
    }
    bandHeight = Math.max(bandHeight, columnHeight[r]!);
    bandX += columnWidth[r]! + sizes.gap;
  });

  const x = new Int32Array(nodeCount);
  const y = new Int32Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    const g = groupOf[n]!;
    const grid = grids[g]!;
    x[n] = groupX[g]! + sizes.padding + grid.rank[local[n]!]! * sizes.column;
    y[n] = groupY[g]! + sizes.padding + sizes.header + grid.row[local[n]!]! * sizes.row;
  }
  const groupEdges = new Int32Array(crossing.size * 3);
  let i = 0;
  for (const [pair, count] of [...crossing].sort((a, b) => a[0] - b[0])) {
    groupEdges[i++] = Math.floor(pair / groupCount);
    groupEdges[i++] = pair % groupCount;
    groupEdges[i++] = count;
  }
  return { x, y, groupX, groupY, groupWidth, groupHeight, groupEdges };
}
