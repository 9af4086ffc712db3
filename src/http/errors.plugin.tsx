// The one error handler: API.md's JSON shape for the API, the sign-in page or an error page for browsers.
import { Elysia } from "elysia";
import { ErrorPage } from "../../views/pages/ErrorPage.tsx";
import { AppError, BadRequest, errorBody, Internal, NotFound, TooLarge, TooManyRequests } from "../errors.ts";
import { log } from "../log.ts";
import type { AssetUrls } from "./assets.ts";

function wantsJson(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path.startsWith("/api/") || path.endsWith("/ws") || (request.headers.get("accept") ?? "").includes("application/json");
}

function toAppError(code: string | number, error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  switch (code) {
    case "VALIDATION": {
      const first = (error as { valueError?: { path?: string; message?: string } }).valueError;
      const where = first?.path ? ` at ${first.path.replace(/^\//, "")}` : "";
      return new BadRequest(`Invalid input${where}: ${first?.message ?? "does not match the expected shape"}.`);
    }
    case "PARSE":
      // A parser that refused the body (too large) says why in the cause.
      if ((error as { cause?: unknown }).cause instanceof AppError) return (error as { cause: AppError }).cause;
      return new BadRequest("The request body could not be parsed.", { code: "invalid_body" });
    case "NOT_FOUND":
      return new NotFound("No such page.");
    case 413:
      return new TooLarge("The request body is too large.");
    default:
      return null;
  }
}

export function errorHandler(assets: AssetUrls) {
  return new Elysia({ name: "error-handler" }).onError({ as: "global" }, ({ code, error, request }) => {
    const appError = toAppError(code, error) ?? new Internal();
    if (appError instanceof Internal) log.error("unhandled", { path: new URL(request.url).pathname, error });

    const headers: Record<string, string> = {};
    if (appError instanceof TooManyRequests) headers["retry-after"] = String(appError.retryAfterSeconds);

    if (wantsJson(request)) return Response.json(errorBody(appError), { status: appError.status, headers });
    if (appError.status === 401) return new Response(null, { status: 303, headers: { location: "/signin" } });
    const page = <ErrorPage ctx={{ viewer: null, assets }} status={appError.status} message={appError.message} />;
    return new Response(`<!doctype html>${page}`, {
      status: appError.status,
      headers: { ...headers, "content-type": "text/html; charset=utf-8" },
    });
  });
}
