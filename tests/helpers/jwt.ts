// Session JWTs made by hand (HS256, the algorithm the server signs with), to forge, alter and expire them.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestServer } from "./server.ts";

/** Base64url of a string, as JWT segments are encoded. */
export const b64url = (text: string) => Buffer.from(text).toString("base64url");

/** A JWT of `payload` signed with `secret` (HS256 unless `header` says otherwise). */
export function signJwt(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" },
) {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/** A token's claims, read without checking its signature. */
export const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/** The secret a test server signs sessions with, read from its data folder. */
export const sessionSecretOf = (server: Pick<TestServer, "dataDir">) =>
  readFileSync(join(server.dataDir, "session-secret"), "utf8").trim();
