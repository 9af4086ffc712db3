// API.md's limits, in one place, for services, routes and pages alike.
import { BadRequest } from "../errors.ts";

export const limits = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 256,
  bodyMax: 4000,
  roomNameMax: 64,
  topicMax: 250,
  clientIdMax: 64,
  pageDefault: 50,
  pageMax: 200,
  changesDefault: 200,
  changesMax: 1000,
  /** Ids are 64-bit in storage; JavaScript numbers are exact up to 2^53. */
  idMax: Number.MAX_SAFE_INTEGER,
  /** Files per message (API.md "Files"). */
  attachmentsMax: 10,
  /** A seq or a rev is a 32-bit integer column. */
  countMax: 2 ** 31 - 1,
} as const;

const usernamePattern = /^[a-z0-9_.-]+$/;

/** A name that could belong to someone (lookups of anything else find no one, without asking storage). */
export const couldBeUsername = (name: string) =>
  name.length >= limits.usernameMin && name.length <= limits.usernameMax && usernamePattern.test(name);

// PostgreSQL cannot store NUL in text, and no person types one: refuse it everywhere alike.
const hasNul = (text: string) => text.includes("\u0000");

/** Usernames are case-insensitive: stored and compared lower-case. */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!couldBeUsername(username)) {
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

/** `empty`: a message with files may have no text. */
export function normalizeBody(raw: string, { empty = false } = {}): string {
  const body = raw.trim();
  if (hasNul(body)) throw new BadRequest("Message cannot contain NUL characters.", { field: "body" });
  if (body.length === 0 && !empty) throw new BadRequest("Message cannot be empty.", { field: "body" });
  if (body.length > limits.bodyMax) {
    throw new BadRequest(`Message must be at most ${limits.bodyMax} characters.`, { field: "body" });
  }
  return body;
}

export function normalizeRoomName(raw: string): string {
  const name = raw.trim();
  if (hasNul(name)) throw new BadRequest("Room name cannot contain NUL characters.", { field: "name" });
  if (name.length === 0 || name.length > limits.roomNameMax) {
    throw new BadRequest(`Room name must be 1–${limits.roomNameMax} characters.`, { field: "name" });
  }
  return name;
}

/** A room's topic: trimmed, empty meaning none. */
export function normalizeTopic(raw: string | null | undefined): string | null {
  const topic = (raw ?? "").trim();
  if (hasNul(topic)) throw new BadRequest("Topic cannot contain NUL characters.", { field: "topic" });
  if (topic.length > limits.topicMax) {
    throw new BadRequest(`Topic must be at most ${limits.topicMax} characters.`, { field: "topic" });
  }
  return topic === "" ? null : topic;
}

export function normalizeClientId(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (hasNul(raw)) throw new BadRequest("clientId cannot contain NUL characters.", { field: "clientId" });
  if (raw.length > limits.clientIdMax) {
    throw new BadRequest(`clientId must be at most ${limits.clientIdMax} characters.`, { field: "clientId" });
  }
  return raw;
}

/** A message's file ids: at most 10, each once, each the shape of an id (whether they may be used is storage's to say). */
export function normalizeAttachmentIds(raw: string[] | undefined | null): string[] {
  if (!raw || raw.length === 0) return [];
  if (raw.length > limits.attachmentsMax) {
    throw new BadRequest(`A message takes at most ${limits.attachmentsMax} files.`, { field: "attachments" });
  }
  if (new Set(raw).size !== raw.length || !raw.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))) {
    throw new BadRequest("attachments must be distinct file ids.", { code: "invalid_attachments", field: "attachments" });
  }
  return raw;
}
