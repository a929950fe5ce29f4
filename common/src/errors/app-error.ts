export interface ErrorDetail {
  message: string;
  field?: string;
}

/**
 * The one error type that crosses layers. Domain code throws it with an HTTP-neutral
 * `code`; the HTTP error handler maps it to a status and `{ errors: [...] }`. An error
 * that is not an AppError is a bug: it is logged in full and answered with a generic 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [{ message }],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  toBody() {
    return { errors: this.details.map((d) => ({ ...d, code: this.code })) };
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: ErrorDetail[], code = 'bad_request') {
    super(400, code, message, details ?? [{ message }]);
  }
}
export class NotAuthenticatedError extends AppError {
  constructor(message = 'You must sign in first', code = 'not_authenticated') {
    super(401, code, message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this', code = 'forbidden') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(404, code, message);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: ErrorDetail[]) {
    super(409, code, message, details ?? [{ message }]);
  }
}
export class UnprocessableError extends AppError {
  constructor(message: string, code = 'unprocessable') {
    super(422, code, message);
  }
}
/** A refusal the client may retry after `retryAfterSeconds` (sent as the Retry-After header). */
export interface RetryableError {
  retryAfterSeconds?: number;
}
export class TooManyRequestsError extends AppError implements RetryableError {
  constructor(
    message = 'Too many requests',
    code = 'rate_limited',
    readonly retryAfterSeconds?: number,
  ) {
    super(429, code, message);
  }
}
export class ServiceUnavailableError extends AppError implements RetryableError {
  constructor(
    message = 'Temporarily unavailable, try again shortly',
    code = 'unavailable',
    readonly retryAfterSeconds?: number,
  ) {
    super(503, code, message);
  }
}
/** The request needs a proof-of-work solution first (SECURITY-CONTRACT: 428 + challenge url). */
export class ChallengeRequiredError extends AppError {
  constructor(message = 'Please complete the short check and try again') {
    super(428, 'challenge_required', message);
  }

  override toBody() {
    return { ...super.toBody(), challenge: { url: '/api/security/challenge' } };
  }
}
