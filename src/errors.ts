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

/** An error whose code varies (API.md slugs such as "username_taken"), with an optional form field. */
abstract class CodedError extends AppError {
  readonly code: string;
  constructor(message: string, defaultCode: string, options: { code?: string; field?: string }) {
    super(message, options.field);
    this.code = options.code ?? defaultCode;
  }
}

export class BadRequest extends CodedError {
  readonly status = 400;
  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(message, "invalid_input", options);
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

export class Conflict extends CodedError {
  readonly status = 409;
  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(message, "conflict", options);
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

/** Anything that was not an AppError: logged, and answered without its details. */
export class Internal extends AppError {
  readonly status = 500;
  readonly code = "internal";
  constructor() {
    super("Something went wrong on our side. Please try again.");
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorBody(error: AppError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
}
