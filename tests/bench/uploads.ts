// Upload throughput: files of 1 MB and of 25 MB sent one after another to Parley
// (POST /api/threads/:id/files: multipart parsed as it streams, hashed, fsynced, recorded) and to a
// plain Bun.serve that writes the same bodies to a file (upload-reference.ts), in the same run.
import { join } from "node:path";
import { multipart } from "../helpers/files.ts";
import type { Metrics } from "./protocol.ts";
import { startServer } from "./server-process.ts";

export interface UploadBenchParams {
  /** How many files of each size. */
  small: number;
  large: number;
}

const mib = 1024 * 1024;

/** MB/s for each size: bodies sent one at a time, the clock from the first byte to the last answer. */
async function throughput(url: string, headers: Record<string, string>, params: UploadBenchParams) {
  const metrics: Metrics = {};
  for (const [label, size, count] of [
    ["1MB", mib, params.small],
    ["25MB", 25 * mib, params.large],
  ] as const) {
    const bodies = Array.from({ length: count }, (_, i) =>
      multipart([{ name: `file-${label}-${i}.bin`, bytes: crypto.getRandomValues(new Uint8Array(size)) }]),
    );
    const started = performance.now();
    for (const { body, contentType } of bodies) {
      const response = await fetch(url, { method: "POST", headers: { ...headers, "content-type": contentType }, body });
      if (response.status !== 201) throw new Error(`upload of ${label} answered ${response.status}: ${await response.text()}`);
    }
    const seconds = (performance.now() - started) / 1000;
    metrics[`uploadMBps${label}`] = Math.round(((size * count) / mib / seconds) * 10) / 10;
  }
  return metrics;
}

export async function uploadsBench(
  params: UploadBenchParams,
  workDir: string,
  progress: (text: string) => void,
): Promise<{ parley: Metrics; reference: Metrics; notes: string[] }> {
  const notes = [
    `${params.small} files of 1 MB, then ${params.large} of 25 MB, one at a time; random bytes; Parley with DURABILITY=full (each file fsynced), the reference writes without fsync`,
  ];
  progress("uploads: Parley");
  const parley = await startServer("parley", join(workDir, "uploads-parley"), "full", undefined, { UPLOAD_MB_PER_DAY: "100000" });
  let parleyMetrics: Metrics;
  try {
    const post = (path: string, body: unknown, token?: string) =>
      fetch(parley.url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<unknown>);
    const { token } = (await post("/api/auth/register", { username: "uploader", password: "password1" })) as { token: string };
    const { thread } = (await post("/api/rooms", { name: "files" }, token)) as { thread: { id: number } };
    parleyMetrics = await throughput(
      `${parley.url}/api/threads/${thread.id}/files`,
      { authorization: `Bearer ${token}` },
      params,
    );
  } finally {
    const stopped = await parley.stop();
    parleyMetrics ??= {};
    parleyMetrics.serverPeakRssMiB = stopped.peakRssMiB ?? 0;
  }
  progress("uploads: the reference");
  const reference = await startServer("reference", join(workDir, "uploads-reference"), "full", [
    "bun",
    "tests/bench/upload-reference.ts",
  ]);
  let referenceMetrics: Metrics;
  try {
    referenceMetrics = await throughput(`${reference.url}/upload`, {}, params);
  } finally {
    const stopped = await reference.stop();
    referenceMetrics ??= {};
    referenceMetrics.serverPeakRssMiB = stopped.peakRssMiB ?? 0;
  }
  return { parley: parleyMetrics, reference: referenceMetrics, notes };
}
