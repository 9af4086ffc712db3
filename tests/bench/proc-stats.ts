// Memory and CPU of another process, read from /proc (Linux), so the server is measured from outside.
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we run on. */
const ticksPerSecond = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

export interface ProcSample {
  atMs: number;
  /** Resident set size now, and its peak since the process started. */
  rssKiB: number;
  peakRssKiB: number;
  /** User + system CPU time so far. */
  cpuMs: number;
  /** Time its main thread was runnable but waited for a CPU (Linux schedstat); 0 where unavailable. */
  runDelayMs: number;
}

export function sampleProcess(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return {
      atMs: performance.now(),
      rssKiB: kib(status, "VmRSS"),
      peakRssKiB: kib(status, "VmHWM"),
      cpuMs: (ticks * 1000) / ticksPerSecond,
      runDelayMs: runDelayMs(pid),
    };
  } catch {
    return null; // the process is gone
  }
}

function runDelayMs(pid: number): number {
  try {
    // "<ns on cpu> <ns waiting on a runqueue> <timeslices>" for the main thread: the one running JS.
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
  } catch {
    return 0;
  }
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

/** Share of the time between two samples that the process's main thread waited for a CPU. */
export function runDelayPercent(from: ProcSample, to: ProcSample): number {
  const wallMs = to.atMs - from.atMs;
  return wallMs > 0 ? ((to.runDelayMs - from.runDelayMs) / wallMs) * 100 : 0;
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  const wallMs = to.atMs - from.atMs;
  return wallMs > 0 ? ((to.cpuMs - from.cpuMs) / wallMs) * 100 : 0;
}

/**
 * Microseconds during which some runnable task on this machine waited for a CPU (Linux PSI), or null
 * where /proc/pressure is missing. The machine is shared: this says how contended a run was.
 */
export function cpuStallMicros(): number | null {
  try {
    const match = /^some .*total=(\d+)/m.exec(readFileSync("/proc/pressure/cpu", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
