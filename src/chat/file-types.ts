// What a file is, from its first bytes (never from its name or the type a browser claims), an image's
// size read from its header, and what of a file's name may be kept.
import { BadRequest } from "../errors.ts";

/** The four image types shown inline; every other file is served as a download. */
export const inlineImageTypes = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** How many of a file's first bytes sniffing (and an image's size) reads. */
export const headBytes = 256 * 1024;

export interface Sniffed {
  type: string;
  width: number | null;
  height: number | null;
}

const startsWith = (head: Uint8Array, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Uint8Array, at: number, length: number) => String.fromCharCode(...head.subarray(at, at + length));

function pngSize(head: Uint8Array): [number, number] | null {
  if (head.length < 24 || ascii(head, 12, 4) !== "IHDR") return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

function gifSize(head: Uint8Array): [number, number] | null {
  if (head.length < 10) return null;
  return [head[6]! | (head[7]! << 8), head[8]! | (head[9]! << 8)];
}

function webpSize(head: Uint8Array): [number, number] | null {
  const chunk = ascii(head, 12, 4);
  if (head.length < (chunk === "VP8L" ? 25 : 30)) return null;
  if (chunk === "VP8 " && startsWith(head, [0x9d, 0x01, 0x2a], 23)) {
    return [(head[26]! | (head[27]! << 8)) & 0x3fff, (head[28]! | (head[29]! << 8)) & 0x3fff];
  }
  if (chunk === "VP8L" && head[20] === 0x2f) {
    const bits = head[21]! | (head[22]! << 8) | (head[23]! << 16) | (head[24]! << 24);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === "VP8X") {
    return [1 + (head[24]! | (head[25]! << 8) | (head[26]! << 16)), 1 + (head[27]! | (head[28]! << 8) | (head[29]! << 16))];
  }
  return null;
}

/** Walks the JPEG's segments to its frame header (SOFn), which holds the size. */
function jpegSize(head: Uint8Array): [number, number] | null {
  let at = 2;
  while (at + 9 < head.length) {
    if (head[at] !== 0xff) return null;
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (head[at + 2]! << 8) | head[at + 3]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return [(head[at + 7]! << 8) | head[at + 8]!, (head[at + 5]! << 8) | head[at + 6]!];
    at += 2 + length;
  }
  return null;
}

const image = (type: string, size: [number, number] | null): Sniffed => ({
  type,
  width: size && size[0] > 0 ? size[0] : null,
  height: size && size[1] > 0 ? size[1] : null,
});

/** The type of a file from its first bytes; an image with its width and height when its header says. */
export function sniff(head: Uint8Array): Sniffed {
  const none = { width: null, height: null };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image("image/png", pngSize(head));
  if (startsWith(head, [0xff, 0xd8, 0xff])) return image("image/jpeg", jpegSize(head));
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return image("image/gif", gifSize(head));
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return image("image/webp", webpSize(head));
  if (ascii(head, 0, 5) === "%PDF-") return { type: "application/pdf", ...none };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { type: "application/zip", ...none };
  if (startsWith(head, [0x1f, 0x8b])) return { type: "application/gzip", ...none };
  if (head.includes(0)) return { type: "application/octet-stream", ...none };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    return { type: "application/octet-stream", ...none };
  }
  const start = text.trimStart().slice(0, 1024).toLowerCase();
  if (start.startsWith("<svg") || (start.startsWith("<?xml") && start.includes("<svg")))
    return { type: "image/svg+xml", ...none };
  if (start.startsWith("<!doctype html") || start.startsWith("<html")) return { type: "text/html", ...none };
  return { type: "text/plain", ...none };
}

const imageByExtension: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/** The image type a file claims, by the type its browser sent or by its name's extension; null when it claims none. */
export function claimedImageType(name: string, declared: string | undefined): string | null {
  const type = declared?.toLowerCase().split(";")[0]?.trim();
  if (type && inlineImageTypes.has(type)) return type === "image/jpg" ? "image/jpeg" : type;
  const extension = name.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  return extension ? (imageByExtension[extension] ?? null) : null;
}

/** At most this many characters of a file's name after cleaning (API.md). */
export const nameMax = 255;

// Control characters (C0, DEL, C1) and the invisible ones that reorder what follows ("gpj.exe").
const unwanted = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** The name shown and offered for download: no path separators, no control characters, at most 255 characters. */
export function cleanFileName(raw: string): string {
  const name = raw.normalize("NFC").replace(/[/\\]/g, "").replace(unwanted, "").trim();
  if (name.length === 0 || name === "." || name === "..") {
    throw new BadRequest("A file needs a name.", { code: "invalid_file_name", field: "file" });
  }
  if (name.length > nameMax) {
    throw new BadRequest(`A file name must be at most ${nameMax} characters.`, { code: "invalid_file_name", field: "file" });
  }
  return name;
}

/** "1.4 MB", "820 KB", "12 bytes". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  if (bytes < 1000 * 1000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1000 / 1000).toFixed(1)} MB`;
}
