// @kitajs/html does not escape children: every user-influenced value needs `safe`. The scanner proves it.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
const scan = (...args: string[]) =>
  Bun.spawnSync(["bun", "x", "xss-scan", ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });

test("no view renders a string without escaping it", () => {
  const result = scan("--cwd", root);
  const output = `${result.stdout}${result.stderr}`;
  expect(output).toContain("No XSS vulnerabilities found");
  expect(result.exitCode).toBe(0);
});

test("the scanner does catch an unescaped value", () => {
  const dir = mkdtempSync(join(root, "views", ".xss-probe-"));
  const probe = join(dir, "Probe.tsx");
  writeFileSync(probe, "export const Probe = ({ text }: { text: string }) => <p>{text}</p>;\n");
  try {
    const result = scan("--cwd", root, probe);
    expect(result.exitCode).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("K601");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
