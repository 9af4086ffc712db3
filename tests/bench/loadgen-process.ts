// Runs one load generator job in its own process and collects its JSON lines (protocol.ts).
import { join } from "node:path";
import type { LoadgenJob, LoadgenLine, LoadgenUse, ScenarioRow } from "./protocol.ts";
import { lines, repoRoot, track, withFileLimit } from "./server-process.ts";

export async function runLoadgen(
  job: LoadgenJob,
  onLog: (text: string) => void,
): Promise<{ rows: ScenarioRow[]; loadgen: LoadgenUse }> {
  const child = track(
    Bun.spawn(withFileLimit(["bun", join(import.meta.dir, "loadgen.ts"), JSON.stringify(job)]), {
      cwd: repoRoot,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  // The load generator enforces its own timeout; this one is for a load generator that hangs anyway.
  const killTimer = setTimeout(() => child.kill("SIGKILL"), job.timeoutMs + 10_000);
  const stderr = new Response(child.stderr).text();

  let result: Extract<LoadgenLine, { event: "result" }> | null = null;
  let failure: string | null = null;
  for await (const line of lines(child.stdout)) {
    let parsed: LoadgenLine;
    try {
      parsed = JSON.parse(line) as LoadgenLine;
    } catch {
      onLog(line);
      continue;
    }
    if (parsed.event === "log") onLog(parsed.text);
    else if (parsed.event === "result") result = parsed;
    else if (parsed.event === "error") failure = parsed.message;
  }
  const exitCode = await child.exited;
  clearTimeout(killTimer);
  if (result) return { rows: result.rows, loadgen: result.loadgen };
  const errorText = (await stderr).trim().split("\n").slice(-5).join("\n");
  throw new Error(failure ?? `load generator exited with ${exitCode}${errorText ? `: ${errorText}` : ""}`);
}
