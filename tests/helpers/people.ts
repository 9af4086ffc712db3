// People, rooms and messages made through the JSON API, for tests that need a few of each.
import { expect } from "bun:test";
import type { apiClient } from "./server.ts";
import { uniqueName } from "./server.ts";
import type { ApiMessage, ApiThread, ApiUser } from "./ws-client.ts";

export interface Person {
  user: ApiUser;
  token: string;
}

type Api = ReturnType<typeof apiClient>;

/** `client` is read on each call, so a test file may create its server (and client) in beforeAll. */
export function testPeople(client: () => Api) {
  async function register(prefix = "user"): Promise<Person> {
    const response = await client()<Person>("POST", "/api/auth/register", {
      body: { username: uniqueName(prefix), password: "password1" },
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  /** A new room created by `owner`, joined by every one of `others`. */
  async function roomWith(owner: Person, ...others: Person[]): Promise<ApiThread> {
    const created = await client()<{ thread: ApiThread }>("POST", "/api/rooms", {
      token: owner.token,
      body: { name: uniqueName("room") },
    });
    expect(created.status).toBe(201);
    for (const other of others) {
      const joined = await client()("POST", `/api/threads/${created.body.thread.id}/join`, { token: other.token });
      expect(joined.status).toBe(200);
    }
    return created.body.thread;
  }

  async function directThread(one: Person, other: Person): Promise<ApiThread> {
    const response = await client()<{ thread: ApiThread }>("POST", `/api/dm/${other.user.username}`, { token: one.token });
    expect(response.status).toBe(200);
    return response.body.thread;
  }

  async function post(person: Person, threadId: number, body: string, clientId?: string): Promise<ApiMessage> {
    const response = await client()<{ message: ApiMessage }>("POST", `/api/threads/${threadId}/messages`, {
      token: person.token,
      body: clientId === undefined ? { body } : { body, clientId },
    });
    expect(response.status).toBe(201);
    return response.body.message;
  }

  async function history(person: Person, threadId: number, query = ""): Promise<ApiMessage[]> {
    const response = await client()<{ messages: ApiMessage[] }>("GET", `/api/threads/${threadId}/messages${query}`, {
      token: person.token,
    });
    expect(response.status).toBe(200);
    return response.body.messages;
  }

  return { register, roomWith, directThread, post, history };
}
