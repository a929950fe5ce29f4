import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { BadRequestError, type ErrorDetail } from '../errors/app-error';
import type { CurrentUser } from '../auth/current-user';

export function zodDetails(error: z.ZodError, prefix?: string): ErrorDetail[] {
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return field ? { message: issue.message, field } : { message: issue.message };
  });
}

export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where?: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new BadRequestError(
      'The request is invalid',
      zodDetails(result.error, where),
      'validation_failed',
    );
  return result.data;
}

interface Schemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface HandlerInput<S extends Schemas> {
  body: Infer<S['body']>;
  query: Infer<S['query']>;
  params: Infer<S['params']>;
  user: CurrentUser | null;
  req: Request;
  res: Response;
}

/**
 * Wraps a route: validates body, query and params with zod before the handler runs, so a
 * handler only ever sees typed, validated input and a bad request never reaches a use case.
 * Body fields are reported as `field`, query and path parameters as `query.x` / `params.x`.
 */
export function handle<S extends Schemas>(
  schemas: S,
  handler: (input: HandlerInput<S>) => Promise<unknown> | unknown,
  successStatus = 200,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const input = {
        body: schemas.body ? parseOrThrow(schemas.body, req.body ?? {}) : undefined,
        query: schemas.query ? parseOrThrow(schemas.query, req.query, 'query') : undefined,
        params: schemas.params ? parseOrThrow(schemas.params, req.params, 'params') : undefined,
        user: req.currentUser ?? null,
        req,
        res,
      } as HandlerInput<S>;
      const result = await handler(input);
      if (!res.headersSent) {
        if (result === undefined) res.status(successStatus === 200 ? 204 : successStatus).end();
        else res.status(successStatus).json(result);
      }
    } catch (error) {
      next(error);
    }
  };
}
