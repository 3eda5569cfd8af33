/**
 * The quick-start pipeline that `npm start` loads with `strata dev --run`: a web shop's raw
 * orders and customers, cleaned and joined, then daily revenue and top customers computed
 * together (a multi-asset), and a board report built by a graph of ops. Beside them, the shop's
 * web traffic is a daily-partitioned asset: one slice per day, all its days run at once, whose
 * status `strata partitions status web/daily_visits` draws as a bar.
 *
 *   raw/orders ────┐
 *                  ├─ clean_orders ─ revenue_stats ─┬─ daily_revenue ─┐
 *   raw/customers ─┘                                └─ top_customers ─┴─ board_report (eager)
 *
 * Nobody launches the board report: its `automation: AutomationCondition.eager()` tells the
 * server's automation loop to request it whenever one of its dependencies was updated since it
 * was last handled, once none is missing or being materialized. So `strata dev --run` runs every
 * asset *without* a condition (a run that also materialized the board report would leave eager
 * nothing to do: its deps' update came from a run that targeted it), and on its next tick the
 * loop sees daily_revenue and top_customers updated and launches a run of board_report, which
 * `strata dev` prints as "Automation launched run …". `strata dev` ticks every second; see why an
 * asset did or did not run with `strata automation why board_report`.
 *
 * The data is generated in code so the example runs anywhere, with no network and no file
 * outside the repository (values are stored under `.strata/storage` in the working directory);
 * swap `loadCsv` for your own source. Edit this file while `strata dev` runs: the location
 * reloads and re-registers.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  AssetOut,
  AutomationCondition,
  Definitions,
  asset,
  dailyPartitions,
  graphAsset,
  multiAsset,
  op,
  output,
  schedule,
  sensor,
  singleRun,
} from "@strata/definitions";

interface RawOrder {
  id: number;
  customerId: number;
  placedAt: string;
  amountCents: number;
  status: "paid" | "refunded" | "test";
}

interface Customer {
  id: number;
  name: string;
  country: string;
}

interface Order {
  id: number;
  customer: string;
  country: string;
  day: string;
  amount: number;
}

const DAYS = ["2024-06-01", "2024-06-02", "2024-06-03"];

/** Stands in for reading the shop's exports: deterministic rows, so every run agrees. */
function loadCsv(): RawOrder[] {
  return Array.from({ length: 60 }, (_, i) => ({
    id: i + 1,
    customerId: (i % 7) + 1,
    placedAt: `${DAYS[i % DAYS.length]}T${String(8 + (i % 12)).padStart(2, "0")}:00:00Z`,
    amountCents: 1_500 + ((i * 737) % 9_000),
    status: i % 13 === 0 ? "refunded" : i % 17 === 0 ? "test" : "paid",
  }));
}

export const rawOrders = asset(
  "orders",
  {
    keyPrefix: "raw",
    group: "raw",
    description: "Orders exported nightly from the web shop, one row per order.",
    owners: ["team:data-eng"],
    kinds: ["csv"],
    tags: { source: "shop" },
  },
  () => {
    const rows = loadCsv();
    return output(rows, { metadata: { row_count: rows.length } });
  },
);

export const rawCustomers = asset(
  "customers",
  {
    keyPrefix: "raw",
    group: "raw",
    description: "Customer accounts from the CRM.",
    owners: ["team:data-eng"],
    kinds: ["csv"],
    tags: { source: "crm" },
  },
  (): Customer[] =>
    ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis"].map((name, i) => ({ id: i + 1, name, country: i % 2 ? "DE" : "FR" })),
);

export const cleanOrders = asset(
  "clean_orders",
  {
    ins: { orders: rawOrders, customers: rawCustomers },
    group: "sales",
    description: "Paid orders with their customer, amounts in euros; refunds and test orders removed.",
    owners: ["ana@example.com"],
    codeVersion: "1",
  },
  ({ orders, customers }, ctx): Order[] => {
    const byId = new Map(customers.map((c) => [c.id, c]));
    const clean = orders
      .filter((o) => o.status === "paid" && byId.has(o.customerId))
      .map((o) => ({
        id: o.id,
        customer: byId.get(o.customerId)!.name,
        country: byId.get(o.customerId)!.country,
        day: o.placedAt.slice(0, 10),
        amount: o.amountCents / 100,
      }));
    ctx.log.info(`kept ${clean.length} of ${orders.length} orders`);
    return clean;
  },
);

export const revenueStats = multiAsset(
  {
    name: "revenue_stats",
    ins: { orders: cleanOrders },
    group: "finance",
    owners: ["team:finance"],
    outs: {
      daily_revenue: new AssetOut({ description: "Revenue per day and country, in euros." }),
      top_customers: new AssetOut({ description: "The five customers who spent the most." }),
    },
  },
  ({ orders }) => {
    const daily = new Map<string, number>();
    const spent = new Map<string, number>();
    for (const o of orders) {
      daily.set(`${o.day} ${o.country}`, (daily.get(`${o.day} ${o.country}`) ?? 0) + o.amount);
      spent.set(o.customer, (spent.get(o.customer) ?? 0) + o.amount);
    }
    return {
      daily_revenue: [...daily].map(([k, revenue]) => ({
        day: k.slice(0, 10),
        country: k.slice(11),
        revenue: Math.round(revenue * 100) / 100,
      })),
      top_customers: [...spent]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([customer, total]) => ({ customer, total })),
    };
  },
);

type DailyRevenue = { day: string; country: string; revenue: number }[];
type TopCustomers = { customer: string; total: number }[];

const summarize = op("summarize", (daily: DailyRevenue, top: TopCustomers) => ({
  total: daily.reduce((sum, d) => sum + d.revenue, 0),
  bestDay: [...daily].sort((a, b) => b.revenue - a.revenue)[0]?.day ?? null,
  topCustomer: top[0]?.customer ?? null,
}));
const render = op("render", (s: { total: number; bestDay: string | null; topCustomer: string | null }) =>
  [`Revenue: €${s.total.toFixed(2)}`, `Best day: ${s.bestDay}`, `Top customer: ${s.topCustomer}`].join("\n"),
);

export const boardReport = graphAsset(
  "board_report",
  {
    ins: { daily: revenueStats.out.daily_revenue, top: revenueStats.out.top_customers },
    group: "finance",
    description: "The weekly board summary, in plain text.",
    owners: ["team:finance"],
    kinds: ["report"],
    // Materialized by the automation loop after its inputs update, not by hand.
    automation: AutomationCondition.eager(),
  },
  ({ daily, top }) => render(summarize(daily, top)),
);

/** The shop's days (`end` is exclusive), in its time zone: one partition per day. */
const shopDays = dailyPartitions({ start: "2024-06-01", end: "2024-06-04", timezone: "Europe/Paris" });

export const dailyVisits = asset(
  "daily_visits",
  {
    keyPrefix: "web",
    group: "web",
    description: "Visits to the shop's pages, one partition per day.",
    owners: ["team:data-eng"],
    partitions: shopDays,
    // Several days in one run: the function returns one value per day.
    backfillPolicy: singleRun(),
  },
  (_, ctx) => Object.fromEntries(ctx.partition!.keys.map((day) => [day, { day, visits: 1_000 + ((Number(day.slice(8)) * 137) % 500) }])),
);

// Registered STOPPED so it launches nothing at 2 a.m. on your laptop: `npx strata automation start nightly_orders` turns it on.
export const nightlyOrders = schedule({
  name: "nightly_orders",
  cron: "0 2 * * *",
  timezone: "Europe/Berlin",
  target: [rawOrders, cleanOrders],
  defaultStatus: "STOPPED",
});

// A sensor runs here, in the location, each time the server ticks it: one run of raw/orders per
// file dropped in .strata/inbox (the file's name is the run key, so each file runs once; the
// cursor remembers the newest one seen). Registered STOPPED: `npx strata automation start order_drops`.
const inbox = join(process.cwd(), ".strata", "inbox");
export const orderDrops = sensor(
  "order_drops",
  { minimumIntervalMs: 5_000, target: [rawOrders], defaultStatus: "STOPPED" },
  ({ cursor }) => {
    mkdirSync(inbox, { recursive: true });
    const files = readdirSync(inbox).sort();
    const fresh = files.filter((file) => file > (cursor ?? ""));
    if (fresh.length === 0) return { skipReason: `no file in .strata/inbox after ${cursor ?? "the start"}` };
    return { runRequests: fresh.map((file) => ({ runKey: file, tags: { file } })), cursor: fresh.at(-1) };
  },
);

// A schedule with a function: the server decides when (07:00 in Berlin), the function, run here in
// the location, decides what: nothing at weekends, else one run keyed by its day (a day runs at
// most once). Registered STOPPED: `npx strata automation start board_mornings`.
const berlinWeekday = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: "Europe/Berlin" });
export const boardMornings = schedule(
  { name: "board_mornings", cron: "0 7 * * *", timezone: "Europe/Berlin", target: [revenueStats, boardReport], defaultStatus: "STOPPED" },
  ({ scheduledTime }) => {
    const day = scheduledTime.toISOString().slice(0, 10);
    if (["Sat", "Sun"].includes(berlinWeekday.format(scheduledTime))) return { skipReason: `${day} is a weekend in Berlin` };
    return { runKey: day, tags: { day } };
  },
);

export default new Definitions({
  assets: [rawOrders, rawCustomers, cleanOrders, revenueStats, boardReport, dailyVisits],
  schedules: [nightlyOrders, boardMornings],
  sensors: [orderDrops],
});
