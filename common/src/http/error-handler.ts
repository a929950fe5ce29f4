import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  AppError,
  NotFoundError,
  ServiceUnavailableError,
  type RetryableError,
} from '../errors/app-error';
import { isTransientError, OUTAGE_RETRY_AFTER_SECONDS } from '../errors/transient';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Maps body-parser's own failures (bad JSON, oversize body, wrong charset) to AppErrors. */
function fromBodyParser(error: BodyParserError): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'malformed_json', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError(
        413,
        'payload_too_large',
        `The request body is larger than the ${error.limit ?? ''} byte limit`.replace('  ', ' '),
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(
        415,
        'unsupported_encoding',
        'The request body encoding is not supported',
      );
    case 'request.aborted':
      return new AppError(400, 'request_aborted', 'The request was aborted');
    default:
      return undefined;
  }
}

export const notFoundHandler: RequestHandler = (req, _res, next) =>
  next(new NotFoundError(`No route for ${req.method} ${req.path}`, 'route_not_found'));

/**
 * One mapping from errors to answers. A dependency that is away or slow (PostgreSQL
 * restarting, a pool that cannot hand out a connection in time, NATS reconnecting) is the
 * platform's problem of the moment, not a bug: 503 with Retry-After, so clients and the
 * gateway retry instead of reporting a failure.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    let appError = error instanceof AppError ? error : fromBodyParser(error as BodyParserError);
    if (!appError && isTransientError(error)) {
      logger.warn({ err: error }, 'dependency unavailable; answered 503');
      appError = new ServiceUnavailableError(
        'A service we depend on is briefly unavailable; try again shortly',
        'dependency_unavailable',
      );
    } else if (appError && appError.status >= 500) {
      logger.error({ err: error }, appError.message);
    }
    if (appError) {
      if (res.headersSent) return;
      const retryAfter =
        (appError as RetryableError).retryAfterSeconds ??
        (appError.status === 503 ? OUTAGE_RETRY_AFTER_SECONDS : undefined);
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      res.status(appError.status).json(appError.toBody());
      return;
    }
    logger.error({ err: error }, 'unhandled error in request');
    if (res.headersSent) return;
    res
      .status(500)
      .json({ errors: [{ message: 'Something went wrong on our side', code: 'internal' }] });
  };
}
