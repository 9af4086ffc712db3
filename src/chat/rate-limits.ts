// How often a client or user may do what (RATE_LIMITS=on). Counted in Redis when instances share one,
// so a limit holds across the cluster; in memory otherwise, and in memory while Redis is away.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { TooManyRequests } from "../errors.ts";

interface Rule {
  points: number;
  /** Seconds over which `points` may be spent. */
  duration: number;
  message: string;
}

const rules = {
  signInPerClient: { points: 30, duration: 60, message: "Too many sign-in attempts from here. Try again shortly." },
  /** Failed sign-ins of one account, from clients it has never signed in from. */
  signInFailuresPerAccount: {
    points: 10,
    duration: 15 * 60,
    message: "Too many failed sign-ins for this account. Try again later, or from a device you have used before.",
  },
  signUpPerClient: { points: 10, duration: 60 * 60, message: "Too many new accounts from here. Try again later." },
  messagesPerUser: { points: 60, duration: 10, message: "You are sending messages too fast. Wait a moment." },
} satisfies Record<string, Rule>;

export type LimitName = keyof typeof rules;

export interface Limiter {
  /** Spends one point; throws TooManyRequests (with Retry-After) when none are left. */
  consume(key: string | number): Promise<void>;
  /** Throws TooManyRequests when no points are left, without spending one. */
  check(key: string | number): Promise<void>;
  /** Forgets the key (a successful sign-in clears its failures). */
  reset(key: string | number): Promise<void>;
}

const unlimited: Limiter = { consume: async () => {}, check: async () => {}, reset: async () => {} };

/** `redis` is a connected node-redis client shared by the instances, or null for memory. */
export function createRateLimits(options: {
  enabled: boolean;
  redis: unknown | null;
  prefix: string;
  /** Told of each refusal, by the limit's name (GET /metrics). */
  refused?: (limit: LimitName) => void;
}) {
  const build = (name: LimitName): Limiter => {
    if (!options.enabled) return unlimited;
    const rule = rules[name];
    const memory = new RateLimiterMemory({ points: rule.points, duration: rule.duration, keyPrefix: name });
    const limiter = options.redis
      ? new RateLimiterRedis({
          storeClient: options.redis,
          useRedisPackage: true,
          points: rule.points,
          duration: rule.duration,
          keyPrefix: `${options.prefix}limit:${name}`,
          // While Redis is away, each instance counts for itself instead of letting everything through.
          insuranceLimiter: memory,
        })
      : memory;
    const refuse = (res: RateLimiterRes) => {
      options.refused?.(name);
      return new TooManyRequests(rule.message, Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
    };
    return {
      async consume(key) {
        try {
          await limiter.consume(String(key));
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) throw refuse(rejection);
          throw rejection;
        }
      },
      async check(key) {
        const res = await limiter.get(String(key));
        if (res && res.remainingPoints <= 0) throw refuse(res);
      },
      async reset(key) {
        await limiter.delete(String(key));
      },
    };
  };

  return {
    signInPerClient: build("signInPerClient"),
    signInFailuresPerAccount: build("signInFailuresPerAccount"),
    signUpPerClient: build("signUpPerClient"),
    messagesPerUser: build("messagesPerUser"),
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
