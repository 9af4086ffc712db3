// Registers the user pool once per server (the argon2 hashing makes this the slow part of set-up);
// every scenario then starts from a copy of that data folder with the same users and tokens.
import { writeFileSync } from "node:fs";
import pLimit from "p-limit";
import { apiClient, type BenchUser } from "./api-client.ts";

export async function setupUsers(baseUrl: string, count: number, file: string): Promise<number> {
  const api = apiClient(baseUrl);
  const limit = pLimit(8);
  const users: BenchUser[] = await Promise.all(
    Array.from({ length: count }, (_, i) => limit(() => api.register(`bench${String(i).padStart(5, "0")}`, "bench-password"))),
  );
  writeFileSync(file, JSON.stringify(users));
  return users.length;
}
