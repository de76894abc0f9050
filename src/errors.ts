// One error type at the boundary. Use cases throw AppError; Slack listeners turn it into an
// ephemeral reply or a modal field error, the HTTP API into a status code and a JSON body.

export type AppErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "unavailable"
  | "internal";

const STATUS: Record<AppErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Safe to show to the person who caused it; `message` is for the logs. */
  readonly userMessage: string;
  readonly details?: unknown;

  constructor(
    code: AppErrorCode,
    userMessage: string,
    options: { message?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(options.message ?? userMessage, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = userMessage;
    this.details = options.details;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

/** A startup problem with a one-line explanation and the fix; printed without a stack trace. */
export class FatalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "FatalError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
