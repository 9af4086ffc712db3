// The few JSON API calls the benchmark needs to set up users and rooms (API.md), identical for both servers.

export interface BenchUser {
  id: number;
  username: string;
  token: string;
}

export class ApiError extends Error {}

export function apiClient(baseUrl: string) {
  async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new ApiError(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  return {
    async register(username: string, password: string): Promise<BenchUser> {
      const { user, token } = await call<{ user: { id: number; username: string }; token: string }>(
        "POST",
        "/api/auth/register",
        null,
        { username, password },
      );
      return { id: user.id, username: user.username, token };
    },

    async createRoom(owner: BenchUser, name: string): Promise<number> {
      const { thread } = await call<{ thread: { id: number } }>("POST", "/api/rooms", owner.token, { name });
      return thread.id;
    },

    async join(user: BenchUser, threadId: number): Promise<void> {
      await call("POST", `/api/threads/${threadId}/join`, user.token);
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
