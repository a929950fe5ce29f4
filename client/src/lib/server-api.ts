import { cookies } from 'next/headers';
import { errorBodySchema, type ErrorItem } from '@ticketaka/contracts';
import type { z } from 'zod';
import { config, serviceUrl, type ServiceName } from '../config';

export type ServerResult<T> =
  { ok: true; data: T } | { ok: false; status: number; errors: ErrorItem[] };

interface GetOptions {
  /** Forward the fan's cookies (their session); public catalogue reads do not. */
  asFan?: boolean;
  /** Seconds the answer may be reused across renders (public reads only). */
  cacheSeconds?: number;
}

/**
 * A server component's read from a service, inside the cluster (never through the public
 * gateway), with the fan's session cookie. The answer is checked against the contract, so
 * a page renders what the service promised or shows an error, never half a shape.
 */
export async function serviceGet<S extends z.ZodType>(
  service: ServiceName,
  path: string,
  schema: S,
  options: GetOptions = {},
): Promise<ServerResult<z.infer<S>>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.asFan) {
    const cookie = (await cookies()).toString();
    if (cookie) headers.cookie = cookie;
  }
  const cache =
    !options.asFan && options.cacheSeconds
      ? { next: { revalidate: options.cacheSeconds } }
      : { cache: 'no-store' as const };
  let response: Response;
  try {
    response = await fetch(`${serviceUrl[service]}${path}`, {
      headers,
      ...cache,
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return unavailable(service);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = errorBodySchema.safeParse(body);
    return {
      ok: false,
      status: response.status,
      errors: parsed.success
        ? parsed.data.errors
        : [{ code: 'unexpected', message: `The ${service} service answered ${response.status}` }],
    };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      status: 502,
      errors: [
        { code: 'bad_gateway', message: `The ${service} service gave an unexpected answer` },
      ],
    };
  }
  return { ok: true, data: parsed.data };
}

const unavailable = (service: ServiceName): ServerResult<never> => ({
  ok: false,
  status: 503,
  errors: [{ code: 'unavailable', message: `The ${service} service is not reachable right now` }],
});

/** True when the request carries any cookie at all: an anonymous visitor costs no auth call. */
export async function hasSession(): Promise<boolean> {
  return (await cookies()).size > 0;
}

export const catalogueCache = config.CATALOGUE_CACHE_SECONDS;
