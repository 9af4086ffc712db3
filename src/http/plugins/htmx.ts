// What a route needs to answer htmx and plain forms alike: whether htmx asked (it swaps a fragment;
// a plain form post follows a redirect), and which errors go back beside the form that caused them.
import { Elysia } from "elysia";
import { AppError } from "../../errors.ts";

export function htmxPlugin() {
  return new Elysia({ name: "htmx" }).derive({ as: "scoped" }, ({ request }) => ({
    /** The request came from htmx (HX-Request), which swaps the answer in place. */
    htmx: request.headers.get("hx-request") === "true",
  }));
}

/**
 * A person's mistake, to show beside the form: any 4xx except the `passThrough` statuses, which the
 * error handler answers (by default 401, which goes to sign-in, and 404, which must look like a page
 * that does not exist). Anything else is rethrown.
 */
export function formError(error: unknown, passThrough: readonly number[] = [401, 404]): AppError {
  if (error instanceof AppError && error.status < 500 && !passThrough.includes(error.status)) return error;
  throw error;
}
