// Files: uploading (POST /api/threads/:id/files, a multipart body streamed into storage) and fetching
// (GET /files/:id/:name, members only, with Range and ETag). A file is served as what its bytes are,
// inline only for the four image types, always under a sandbox of its own.
import { Elysia, t } from "elysia";
import { inlineImageTypes } from "../chat/file-types.ts";
import type { FilesService, UploadBody } from "../chat/files.service.ts";
import type { StoredFile } from "../db/repository.ts";
import { fileUrl } from "../db/rows.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { idParams } from "./models.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface FilesRoutesDeps extends SessionDeps {
  files: FilesService;
}

/** A request's body for the upload service: read as it arrives, never parsed ahead (plugins/security-headers.ts). */
export const uploadBody = (request: Request): UploadBody => {
  const length = request.headers.get("content-length");
  return {
    contentType: request.headers.get("content-type"),
    contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    stream: request.body,
  };
};

/** A file as the API shows it. */
export const fileJson = (file: StoredFile) => ({
  id: file.id,
  name: file.name,
  type: file.type,
  size: file.size,
  width: file.width,
  height: file.height,
  url: fileUrl(file.id, file.name),
});

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` of a file of `size` bytes: [start, end], "unsatisfiable", or null (ignored: the whole file). */
function byteRange(header: string | null, size: number): [number, number] | "unsatisfiable" | null {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return [start, end];
}

/** RFC 6266: an ASCII fallback and the name itself, percent-encoded. */
const disposition = (kind: "inline" | "attachment", name: string) =>
  `${kind}; filename="${name.replace(/[^\x20-\x7e]|["\\%]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export function filesRoutes(deps: FilesRoutesDeps) {
  const { files } = deps;
  return new Elysia({ name: "files-routes" })
    .use(sessionPlugin(deps))
    .get(
      "/files/:fileId/:name",
      async ({ user, params, request }) => {
        const { file, read } = await files.open(params.fileId, user.id);
        const etag = `"${file.sha256}"`;
        const inline = inlineImageTypes.has(file.type);
        const headers: Record<string, string> = {
          "content-type": file.type.startsWith("text/") ? `${file.type}; charset=utf-8` : file.type,
          "content-disposition": disposition(inline ? "inline" : "attachment", file.name),
          "content-security-policy": "sandbox",
          "x-content-type-options": "nosniff",
          "cross-origin-resource-policy": "same-origin",
          "accept-ranges": "bytes",
          etag,
          // Membership can end: the browser asks again each time, and a 304 costs nothing.
          "cache-control": "private, no-cache",
        };
        const match = request.headers.get("if-none-match");
        if (match?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
          return new Response(null, { status: 304, headers });
        }
        const range = byteRange(request.headers.get("range"), file.size);
        if (range === "unsatisfiable") {
          return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${file.size}` } });
        }
        const [start, end] = range ?? [0, file.size - 1];
        const stream = await read(file.sha256, start, end);
        if (!stream) return new Response(null, { status: 404, headers });
        headers["content-length"] = String(end - start + 1);
        if (!range) return new Response(stream, { status: 200, headers });
        headers["content-range"] = `bytes ${start}-${end}/${file.size}`;
        return new Response(stream, { status: 206, headers });
      },
      { signedIn: true, params: t.Object({ fileId: t.String({ maxLength: 64 }), name: t.String() }) },
    )
    .post(
      "/api/threads/:id/files",
      async ({ user, params, request, status }) =>
        status(201, { files: (await files.upload(params.id, user.id, uploadBody(request))).map(fileJson) }),
      {
        signedIn: true,
        params: idParams,
        detail: {
          summary: "Upload files",
          description:
            "multipart/form-data with one or more parts named `file` (at most 10, each at most MAX_UPLOAD_MB). Answers 201 `{files: [{id, name, type, size, width, height, url}]}`; send them with a message as `attachments: [id, …]`. 413 for a file too large, 429 past the daily total (UPLOAD_MB_PER_DAY), 400 for an empty file, a name longer than 255 characters, or an image whose bytes are not the type it claims.",
        },
      },
    );
}
