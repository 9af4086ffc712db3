// The one error type the app throws on purpose; onError turns it into API.md's shape or a page.
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** For form pages: which field the message belongs beside. */
  readonly field?: string;

  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

export class BadRequest extends AppError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(message, options.field);
    this.code = options.code ?? "invalid_input";
  }
}

export class Unauthorized extends AppError {
  readonly status = 401;
  readonly code = "unauthorized";
}

export class Forbidden extends AppError {
  readonly status = 403;
  readonly code = "forbidden";
}

export class NotFound extends AppError {
  readonly status = 404;
  readonly code = "not_found";
}

export class Conflict extends AppError {
  readonly status = 409;
  readonly code: string;
  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(message, options.field);
    this.code = options.code ?? "conflict";
  }
}

export class TooLarge extends AppError {
  readonly status = 413;
  readonly code = "too_large";
}

export class TooManyRequests extends AppError {
  readonly status = 429;
  readonly code = "rate_limited";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorBody(error: AppError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
}
