// API.md's limits, in one place, for services, routes and pages alike.
import { BadRequest } from "../errors.ts";

export const limits = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 256,
  bodyMax: 4000,
  roomNameMax: 64,
  clientIdMax: 64,
  pageDefault: 50,
  pageMax: 200,
} as const;

const usernamePattern = /^[a-z0-9_.-]+$/;

/** Usernames are case-insensitive: stored and compared lower-case. */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (username.length < limits.usernameMin || username.length > limits.usernameMax || !usernamePattern.test(username)) {
    throw new BadRequest(
      `Username must be ${limits.usernameMin}–${limits.usernameMax} characters of a–z, 0–9, "_", "." or "-".`,
      { field: "username" },
    );
  }
  return username;
}

export function checkPassword(password: string): string {
  if (password.length < limits.passwordMin || password.length > limits.passwordMax) {
    throw new BadRequest(`Password must be ${limits.passwordMin}–${limits.passwordMax} characters.`, {
      field: "password",
    });
  }
  return password;
}

export function normalizeBody(raw: string): string {
  const body = raw.trim();
  if (body.length === 0) throw new BadRequest("Message cannot be empty.", { field: "body" });
  if (body.length > limits.bodyMax) {
    throw new BadRequest(`Message must be at most ${limits.bodyMax} characters.`, { field: "body" });
  }
  return body;
}

export function normalizeRoomName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > limits.roomNameMax) {
    throw new BadRequest(`Room name must be 1–${limits.roomNameMax} characters.`, { field: "name" });
  }
  return name;
}

export function normalizeClientId(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (raw.length > limits.clientIdMax) {
    throw new BadRequest(`clientId must be at most ${limits.clientIdMax} characters.`, { field: "clientId" });
  }
  return raw;
}
