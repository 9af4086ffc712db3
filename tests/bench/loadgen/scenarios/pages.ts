// pages: a thread page with N messages, fetched by a fixed number of concurrent clients (closed
// loop, bearer token): requests per second and latency.
import type { ScenarioRow } from "../../protocol.ts";
import { Traffic } from "../bench-client.ts";
import type { ScenarioContext } from "../context.ts";
import { Histogram } from "../histogram.ts";
import { setupRooms } from "../rooms.ts";

const maxRequests = 1_000_000;

export interface PagesParams {
  messages: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/** Fills a fresh room with `count` messages over its socket, waiting for every ack. */
async function roomWithMessages(ctx: ScenarioContext, count: number) {
  const [room] = await setupRooms(ctx.api, ctx.users, { rooms: 1, membersPerRoom: 1 });
  const author = room!.members[0]!;
  await author.connect(ctx.baseUrl);
  const traffic = new Traffic();
  author.startRound(traffic);
  for (let i = 0; i < count; i++) author.send(`page-${i}`);
  const giveUpAt = performance.now() + 10_000;
  while (traffic.acked < count && performance.now() < giveUpAt) await Bun.sleep(5);
  author.close();
  if (traffic.acked < count) throw new Error(`only ${traffic.acked} of ${count} seed messages were acknowledged`);
  return { threadId: room!.id, token: author.user.token };
}

export async function pages(ctx: ScenarioContext, p: PagesParams): Promise<ScenarioRow[]> {
  const { threadId, token } = await roomWithMessages(ctx, p.messages);
  const url = `${ctx.baseUrl}/t/${threadId}`;
  const headers = { authorization: `Bearer ${token}` };

  const first = await fetch(url, { headers });
  const html = await first.text();
  const notes: string[] = [];
  if (first.status !== 200) throw new Error(`GET /t/${threadId} answered ${first.status}: ${html.slice(0, 200)}`);
  const shown = html.split("page-").length - 1;
  if (shown < p.messages) notes.push(`the page shows ${shown} of the ${p.messages} messages`);

  /** Closed loop: each worker fetches again as soon as its last page arrived. Bounded by time and count. */
  async function load(durationMs: number, latency: Histogram | null) {
    const until = performance.now() + durationMs;
    let ok = 0;
    let failed = 0;
    const worker = async () => {
      while (performance.now() < until && ok + failed < maxRequests) {
        const startedAt = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        latency?.record(performance.now() - startedAt);
        if (response.status === 200) ok++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: p.concurrency }, worker));
    return { ok, failed };
  }

  await load(p.warmupMs, null);
  const latency = new Histogram();
  const window = ctx.window();
  const { ok, failed } = await load(p.durationMs, latency);
  const use = window.end();
  return [
    {
      scenario: `pages/${p.messages}msgs`,
      metrics: {
        requestsPerSec: (ok + failed) / (use.wallMs / 1000),
        latencyP50Ms: latency.percentile(50),
        latencyP99Ms: latency.percentile(99),
        errors: failed,
        pageKiB: html.length / 1024,
        serverCpuPct: use.serverCpuPct,
        serverRssMiB: use.serverRssMiB,
        loadgenCpuPct: use.loadgenCpuPct,
      },
      notes,
    },
  ];
}
