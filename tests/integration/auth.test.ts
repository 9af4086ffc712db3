// Accounts through the real server: JSON API, pages with plain form posts, sessions and the Origin guard.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";

let server: TestServer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterAll(() => server.stop());

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: "POST",
  redirect: "manual" as const,
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(fields).toString(),
});

const sessionCookieOf = (response: Response) =>
  response.headers.getSetCookie().find((cookie) => cookie.startsWith("parley_session="));

describe("JSON API", () => {
  test("register, read /api/me with the token, sign in again", async () => {
    const username = uniqueName("Ann");
    const registered = await api<{ user: { id: number; username: string }; token: string }>("POST", "/api/auth/register", {
      body: { username, password: "password1" },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user.username).toBe(username.toLowerCase());
    expect(typeof registered.body.user.id).toBe("number");

    const me = await api("GET", "/api/me", { token: registered.body.token });
    expect(me).toMatchObject({ status: 200, body: { user: registered.body.user } });

    const login = await api<{ token: string }>("POST", "/api/auth/login", { body: { username, password: "password1" } });
    expect(login.status).toBe(200);
    expect(login.body.token).not.toBe(registered.body.token);
  });

  test("a taken username is 409 in API.md's error shape", async () => {
    const username = uniqueName();
    await api("POST", "/api/auth/register", { body: { username, password: "password1" } });
    const again = await api("POST", "/api/auth/register", { body: { username: username.toUpperCase(), password: "password1" } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "username_taken", message: expect.any(String) } });
  });

  test("wrong password and unknown user answer the same 401", async () => {
    const username = uniqueName();
    await api("POST", "/api/auth/register", { body: { username, password: "password1" } });
    const wrong = await api("POST", "/api/auth/login", { body: { username, password: "password2" } });
    const unknown = await api("POST", "/api/auth/login", { body: { username: uniqueName("ghost"), password: "password1" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  test("bad input is 400 with a code and a message, and stores nothing", async () => {
    const cases: unknown[] = [
      { username: "ab", password: "password1" },
      { username: "no spaces", password: "password1" },
      { username: uniqueName(), password: "short" },
      { username: 42, password: "password1" },
      { username: uniqueName() },
      [],
    ];
    for (const body of cases) {
      const response = await api("POST", "/api/auth/register", { body });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    const notJson = await fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: "invalid_body" } });
  });

  test("signed out, /api/me is 401 in the error shape; a forged token too", async () => {
    expect(await api("GET", "/api/me")).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    const forged = await api("GET", "/api/me", { token: "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.AAAA" });
    expect(forged.status).toBe(401);
  });

  test("after sign-out the same token stops working", async () => {
    const { body } = await api<{ token: string }>("POST", "/api/auth/register", {
      body: { username: uniqueName(), password: "password1" },
    });
    expect((await api("GET", "/api/me", { token: body.token })).status).toBe(200);
    expect((await api("POST", "/api/auth/logout", { token: body.token })).status).toBe(204);
    expect((await api("GET", "/api/me", { token: body.token })).status).toBe(401);
  });

  test("health answers ok", async () => {
    expect(await api("GET", "/healthz")).toMatchObject({ status: 200, body: { ok: true } });
  });
});

describe("pages", () => {
  test("sign-up form: redirect home with an HttpOnly, SameSite=Lax session cookie", async () => {
    const username = uniqueName();
    const response = await fetch(`${server.url}/signup`, form({ username, password: "password1" }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = sessionCookieOf(response)!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here

    const home = await fetch(`${server.url}/`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(username.toLowerCase());
  });

  test("the sign-in form shows a wrong password beside the form, keeping the username", async () => {
    const username = uniqueName();
    await api("POST", "/api/auth/register", { body: { username, password: "password1" } });
    const response = await fetch(`${server.url}/signin`, form({ username, password: "nope-nope" }));
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    expect(page).toContain('role="alert"');
    expect(page).toContain("Wrong username or password.");
    expect(page).toContain(`value="${username}"`);
    expect(sessionCookieOf(response)).toBeUndefined();
  });

  test("a field error is shown beside its field", async () => {
    const response = await fetch(`${server.url}/signup`, form({ username: "x", password: "password1" }));
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(/<input id="username"[^>]*aria-invalid="true"[^>]*aria-describedby="username-error"/);
    expect(page).toContain('id="username-error"');
  });

  test("what a user typed is escaped when the form comes back", async () => {
    const response = await fetch(`${server.url}/signup`, form({ username: '"><img src=x onerror=alert(1)>', password: "p" }));
    const page = await response.text();
    // Inside a quoted attribute only the quote can break out; it must come back as an entity.
    expect(page).not.toContain('"><img');
    expect(page).toContain('value="&#34;><img');
  });

  test("signed out, / redirects to the sign-in page", async () => {
    const response = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/signin");
  });

  test("signing out revokes the session server-side: a copied cookie no longer works", async () => {
    const signup = await fetch(`${server.url}/signup`, form({ username: uniqueName(), password: "password1" }));
    const cookie = sessionCookieOf(signup)!.split(";")[0]!;
    const signout = await fetch(`${server.url}/signout`, { method: "POST", redirect: "manual", headers: { cookie } });
    expect(signout.status).toBe(303);
    expect(signout.headers.get("location")).toBe("/signin");
    expect(sessionCookieOf(signout)).toMatch(/Max-Age=0/i);
    const after = await fetch(`${server.url}/`, { redirect: "manual", headers: { cookie } });
    expect(after.status).toBe(303);
    expect((await api("GET", "/api/me", { headers: { cookie } })).status).toBe(401);
  });

  test("a state-changing request from a foreign Origin is refused with 403", async () => {
    const username = uniqueName();
    const foreign = await fetch(
      `${server.url}/signup`,
      form({ username, password: "password1" }, { origin: "https://evil.example" }),
    );
    expect(foreign.status).toBe(403);
    const nullOrigin = await api("POST", "/api/auth/register", {
      body: { username, password: "password1" },
      headers: { origin: "null" },
    });
    expect(nullOrigin.status).toBe(403);
    // Nothing was created: the name is still free.
    const same = await fetch(`${server.url}/signup`, form({ username, password: "password1" }, { origin: server.url }));
    expect(same.status).toBe(303);
  });
});
