import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError, type RetryableError } from '../errors/app-error';

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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = error instanceof AppError ? error : fromBodyParser(error as BodyParserError);
    if (appError) {
      if (appError.status >= 500) req.log?.error({ err: error }, appError.message);
      const retryAfter = (appError as RetryableError).retryAfterSeconds;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      res.status(appError.status).json(appError.toBody());
      return;
    }
    (req.log ?? logger).error({ err: error }, 'unhandled error in request');
    if (res.headersSent) return;
    res
      .status(500)
      .json({ errors: [{ message: 'Something went wrong on our side', code: 'internal' }] });
  };
}
