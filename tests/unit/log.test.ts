import { afterEach, expect, spyOn, test } from "bun:test";
import { log } from "../../src/log.ts";

let restore: (() => void) | undefined;
afterEach(() => restore?.());

test("a failed query's parameters (message bodies, hashes) never reach the log", () => {
  const lines: string[] = [];
  const spy = spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  restore = () => spy.mockRestore();
  const failure = new Error("Failed query: insert into messages values (?, ?)\nparams: 7,my secret message");
  log.error("unhandled", { error: new Error("wrapped", { cause: failure }) });
  log.error("unhandled", { error: failure });
  const written = lines.join("");
  expect(written).not.toContain("my secret message");
  expect(written).toContain("Failed query: insert into messages");
  expect(written).toContain("params: (not logged)");
});
