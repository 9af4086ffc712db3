// Files for tests: real images made here (a PNG of any size, the header of a JPEG, GIF and WebP), a
// small PDF, and uploads through the JSON API as a browser sends them (multipart/form-data).
import { deflateSync } from "node:zlib";
import type { ApiFile } from "./ws-client.ts";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A real PNG of `width` × `height`, one colour (RGB). */
export function png(width: number, height: number, rgb: [number, number, number] = [40, 120, 200]): Uint8Array<ArrayBuffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk("IHDR", header),
      pngChunk("IDAT", deflateSync(raw)),
      pngChunk("IEND", new Uint8Array()),
    ]),
  );
}

/** The start of a JPEG (SOI, an APP0 segment, a baseline frame header): enough to be sniffed and sized. */
export function jpegHeader(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

export function gifHeader(width: number, height: number): Uint8Array {
  return new Uint8Array([...Buffer.from("GIF89a"), width & 0xff, width >> 8, height & 0xff, height >> 8, 0, 0, 0, 0x3b]);
}

/** A lossless WebP's header (VP8L). */
export function webpHeader(width: number, height: number): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14);
  const body = [
    ...Buffer.from("VP8L"),
    5,
    0,
    0,
    0,
    0x2f,
    bits & 0xff,
    (bits >> 8) & 0xff,
    (bits >> 16) & 0xff,
    (bits >>> 24) & 0xff,
    0,
  ];
  return new Uint8Array([...Buffer.from("RIFF"), body.length + 4, 0, 0, 0, ...Buffer.from("WEBP"), ...body]);
}

/** A one-page PDF that says hello. */
export const pdf = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

export interface UploadPart {
  name: string;
  bytes: Uint8Array;
  /** The type the browser declares (what its name's extension says, usually). */
  type?: string;
}

/**
 * A multipart/form-data body with these file parts (named `file`) and text fields, written byte by byte
 * (a name goes as it is, control characters and all, with only `"` escaped, as browsers do).
 */
export function multipart(
  parts: UploadPart[],
  fields: Record<string, string> = {},
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = `----parley${crypto.randomUUID().replaceAll("-", "")}`;
  const pieces: Uint8Array[] = [];
  const text = (value: string) => pieces.push(new TextEncoder().encode(value));
  for (const [name, value] of Object.entries(fields)) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  for (const part of parts) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${part.name.replaceAll('"', "%22")}"\r\n`);
    text(`Content-Type: ${part.type ?? "application/octet-stream"}\r\n\r\n`);
    pieces.push(part.bytes);
    text("\r\n");
  }
  text(`--${boundary}--\r\n`);
  return { body: new Uint8Array(Buffer.concat(pieces)), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST /api/threads/:id/files with these parts. */
export async function uploadFiles(
  baseUrl: string,
  token: string,
  threadId: number,
  parts: UploadPart[],
): Promise<{ status: number; body: { files?: ApiFile[]; error?: { code: string; message: string } }; headers: Headers }> {
  const { body, contentType } = multipart(parts);
  const response = await fetch(`${baseUrl}/api/threads/${threadId}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}
