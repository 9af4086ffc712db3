// What a client may send on a thread socket, validated before anything else looks at it.
import { type Static, Type as t } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { limits } from "../chat/validation.ts";
import { BadRequest } from "../errors.ts";
import type { WireFormat } from "./topics.ts";

// Ids are checked here as the HTTP routes check theirs (http/models.ts): whole numbers storage can hold.
const messageId = t.Integer({ minimum: 1, maximum: limits.idMax });
// htmx's ws extension adds a `headers` object to every form it sends; extra keys are allowed.
const SendFrame = t.Object({
  type: t.Literal("send"),
  body: t.String(),
  clientId: t.Optional(t.String()),
  replyTo: t.Optional(t.Union([messageId, t.Null()])),
  // File ids; a page's form sends them as one comma-separated field.
  attachments: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: limits.attachmentsMax })),
});
const EditFrame = t.Object({ type: t.Literal("edit"), id: messageId, body: t.String() });
const DeleteFrame = t.Object({ type: t.Literal("delete"), id: messageId });
const TypingFrame = t.Object({ type: t.Literal("typing") });

const frameTypes = {
  send: TypeCompiler.Compile(SendFrame),
  edit: TypeCompiler.Compile(EditFrame),
  delete: TypeCompiler.Compile(DeleteFrame),
  typing: TypeCompiler.Compile(TypingFrame),
};

export type ClientFrame =
  | Static<typeof SendFrame>
  | Static<typeof EditFrame>
  | Static<typeof DeleteFrame>
  | Static<typeof TypingFrame>;

const invalid = (message: string) => new BadRequest(message, { code: "invalid_frame" });

/** Parses a raw frame (text or bytes, as Bun delivers it) into a checked ClientFrame. */
export function parseClientFrame(raw: unknown, format: WireFormat): ClientFrame {
  let frame: unknown = raw;
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    try {
      frame = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw invalid("Frames must be UTF-8 text.");
    }
  }
  if (typeof frame === "string") {
    try {
      frame = JSON.parse(frame);
    } catch {
      throw invalid("Frames must be JSON.");
    }
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) throw invalid("A frame must be a JSON object.");
  const record = frame as Record<string, unknown>;
  // The page's composer sends its form fields without a type: that is a message.
  const type = record.type ?? (format === "html" ? "send" : undefined);
  if (typeof type !== "string" || !Object.hasOwn(frameTypes, type)) {
    throw new BadRequest(`Unknown frame type; expected one of ${Object.keys(frameTypes).join(", ")}.`, { code: "unknown_type" });
  }
  const candidate: Record<string, unknown> = { ...record, type };
  // A page's form sends every field as text: its replyTo is the digits of an id.
  if (format === "html" && typeof candidate.replyTo === "string" && /^[0-9]{1,16}$/.test(candidate.replyTo)) {
    candidate.replyTo = Number(candidate.replyTo);
  }
  if (format === "html" && typeof candidate.attachments === "string") {
    candidate.attachments = candidate.attachments.split(",").filter(Boolean);
  }
  const check = frameTypes[type as keyof typeof frameTypes];
  if (!check.Check(candidate)) {
    const first = check.Errors(candidate).First();
    throw invalid(`Invalid ${type} frame${first ? ` at ${first.path || "/"}: ${first.message}` : ""}.`);
  }
  return candidate as ClientFrame;
}
