// What every scenario gets: the server's address and pid, the pre-registered users, and measurement
// windows that read the server's CPU and memory from /proc next to the load generator's own CPU.
import { cpuPercent, runDelayPercent, sampleProcess } from "../proc-stats.ts";
import { type ApiClient, apiClient, type BenchUser } from "./api-client.ts";
import { Histogram } from "./histogram.ts";

export interface WindowStats {
  wallMs: number;
  serverCpuPct: number;
  /** How much of the window the server's main thread waited for a CPU: other load on the machine. */
  serverRunDelayPct: number;
  serverRssMiB: number;
  loadgenCpuPct: number;
}

export interface ScenarioContext {
  baseUrl: string;
  serverPid: number;
  api: ApiClient;
  users: BenchUser[];
  /** How late the load generator fired scheduled sends, over every paced round. */
  scheduleLag: Histogram;
  log(text: string): void;
  /** Starts a measured window; `end()` reports server and load generator use since the start. */
  window(): { end(): WindowStats };
  /**
   * Waits until both the server and the load generator are idle (under 10 % of a core for 250 ms),
   * so the aftermath of connecting (catch-up, presence) is not measured as traffic. Answers how long
   * that took; gives up after `maxMs`.
   */
  waitForQuiet(maxMs?: number): Promise<number>;
  /** The busiest the load generator was in any window, percent of one core. */
  readonly loadgenPeakCpuPct: number;
}

const quietCpuPct = 10;
const quietWindowMs = 250;

export function scenarioContext(baseUrl: string, serverPid: number, users: BenchUser[]): ScenarioContext {
  let loadgenPeakCpuPct = 0;
  return {
    baseUrl,
    serverPid,
    api: apiClient(baseUrl),
    users,
    scheduleLag: new Histogram(),
    log(text) {
      process.stdout.write(`${JSON.stringify({ event: "log", text })}\n`);
    },
    window() {
      const serverStart = sampleProcess(serverPid);
      const ownStart = process.cpuUsage();
      const startedAt = performance.now();
      return {
        end() {
          const wallMs = performance.now() - startedAt;
          const serverEnd = sampleProcess(serverPid);
          const own = process.cpuUsage(ownStart);
          const loadgenCpuPct = wallMs > 0 ? ((own.user + own.system) / 1000 / wallMs) * 100 : 0;
          loadgenPeakCpuPct = Math.max(loadgenPeakCpuPct, loadgenCpuPct);
          return {
            wallMs,
            serverCpuPct: serverStart && serverEnd ? cpuPercent(serverStart, serverEnd) : Number.NaN,
            serverRunDelayPct: serverStart && serverEnd ? runDelayPercent(serverStart, serverEnd) : Number.NaN,
            serverRssMiB: serverEnd ? serverEnd.rssKiB / 1024 : Number.NaN,
            loadgenCpuPct,
          };
        },
      };
    },
    async waitForQuiet(maxMs = 30_000) {
      const startedAt = performance.now();
      while (performance.now() - startedAt < maxMs) {
        const serverStart = sampleProcess(serverPid);
        const ownStart = process.cpuUsage();
        await Bun.sleep(quietWindowMs);
        const serverEnd = sampleProcess(serverPid);
        const own = process.cpuUsage(ownStart);
        const ownPct = ((own.user + own.system) / 1000 / quietWindowMs) * 100;
        const serverPct = serverStart && serverEnd ? cpuPercent(serverStart, serverEnd) : 0;
        if (serverPct < quietCpuPct && ownPct < quietCpuPct) break;
      }
      return performance.now() - startedAt;
    },
    get loadgenPeakCpuPct() {
      return loadgenPeakCpuPct;
    },
  };
}
