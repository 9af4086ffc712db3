// What an instance counts for monitoring (GET /metrics, Prometheus' text format through prom-client).
// One registry per app instance, so that several in one process (tests) never share or collide. The
// hot path only ever increments or observes once per event, never per subscriber.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** How pushes went, for the push feature to report (one call per push sent). */
export type PushOutcome = "sent" | "failed" | "gone";

/** What the push feature tells the metrics: export it to whoever sends pushes. */
export interface PushObserver {
  pushed(outcome: PushOutcome): void;
}

/** What the chat services report. */
export interface ChatObserver {
  /** A new message was committed; `seconds` from the call to storage to its commit. */
  stored(seconds: number): void;
  /** A rate limit refused something. */
  refused(limit: string): void;
}

/** What the realtime fan-out reports. */
export interface FanOutObserver {
  /** A new message was published to `receivers` sockets here, `seconds` after it was stored. */
  delivered(receivers: number, seconds: number): void;
  /** A socket catching up read a page from the database. */
  catchUpRead(): void;
  /** A reader too far behind was closed. */
  slowReaderCut(): void;
}

/** Watches nothing: for services built without metrics (unit tests, commands). */
export const unobserved: ChatObserver & FanOutObserver & PushObserver = {
  stored() {},
  refused() {},
  delivered() {},
  catchUpRead() {},
  slowReaderCut() {},
  pushed() {},
};

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: "parley_" });

  const stored = new Counter({ name: "parley_messages_stored_total", help: "Messages stored by this instance.", registers });
  const commit = new Histogram({
    name: "parley_commit_seconds",
    help: "From handing a new message to storage to its commit.",
    buckets: latencyBuckets,
    registers,
  });
  const delivered = new Counter({
    name: "parley_messages_delivered_total",
    help: "New messages published to this instance's sockets, one per receiving socket.",
    registers,
  });
  const fanOut = new Histogram({
    name: "parley_fanout_seconds",
    help: "From a message's commit (its createdAt) to its publication to this instance's sockets.",
    buckets: latencyBuckets,
    registers,
  });
  const catchUpReads = new Counter({
    name: "parley_catch_up_reads_total",
    help: "Pages read from the database by sockets catching up (?after=, ?rev=).",
    registers,
  });
  const slowReaders = new Counter({
    name: "parley_slow_readers_closed_total",
    help: "Sockets closed with 1013 for falling more than 1 MiB behind.",
    registers,
  });
  const refusals = new Counter({
    name: "parley_rate_limit_refusals_total",
    help: "Requests and frames refused by a rate limit, by limit.",
    labelNames: ["limit"],
    registers,
  });
  const pushes = new Counter({
    name: "parley_push_deliveries_total",
    help: "Web Push messages sent to push services, by outcome (sent, failed, gone: the subscription was removed).",
    labelNames: ["outcome"],
    registers,
  });
  // Each label's child counter, found once: an increment is then a plain add.
  const refusalsBy = new Map<string, ReturnType<typeof refusals.labels>>();
  const pushesBy = new Map<PushOutcome, ReturnType<typeof pushes.labels>>();

  return {
    registry,

    /** Values read when scraped: the open sockets, and Redis' state when there is one. */
    watch(sources: { openSockets: () => number; redisReady: (() => boolean) | null }) {
      new Gauge({
        name: "parley_open_sockets",
        help: "WebSockets open on this instance (on threads, and following a person: GET /ws).",
        registers,
        collect() {
          this.set(sources.openSockets());
        },
      });
      const redisReady = sources.redisReady;
      if (!redisReady) return;
      new Gauge({
        name: "parley_redis_connected",
        help: "1 while both Redis connections (publisher and subscriber) are up, else 0.",
        registers,
        collect() {
          this.set(redisReady() ? 1 : 0);
        },
      });
    },

    stored(seconds: number) {
      stored.inc();
      commit.observe(seconds);
    },
    refused(limit: string) {
      let counter = refusalsBy.get(limit);
      if (!counter) {
        counter = refusals.labels(limit);
        refusalsBy.set(limit, counter);
      }
      counter.inc();
    },
    delivered(receivers: number, seconds: number) {
      if (receivers > 0) delivered.inc(receivers);
      fanOut.observe(Math.max(0, seconds));
    },
    catchUpRead() {
      catchUpReads.inc();
    },
    slowReaderCut() {
      slowReaders.inc();
    },
    pushed(outcome: PushOutcome) {
      let counter = pushesBy.get(outcome);
      if (!counter) {
        counter = pushes.labels(outcome);
        pushesBy.set(outcome, counter);
      }
      counter.inc();
    },

    /** The text a scrape gets. */
    text: () => registry.metrics(),
    contentType: registry.contentType,
  } satisfies ChatObserver & FanOutObserver & PushObserver & Record<string, unknown>;
}

export type Metrics = ReturnType<typeof createMetrics>;
