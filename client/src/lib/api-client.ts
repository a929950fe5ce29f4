import { altchaChallengeSchema, errorBodySchema, type ErrorItem } from '@ticketaka/contracts';
import './zod-in-browser';
import type { z } from 'zod';

/** Why a call failed, in words a fan can act on; `fields` maps an input name to its message. */
export interface ApiProblem {
  status: number;
  code: string;
  message: string;
  fields: Record<string, string>;
  /** Seconds to wait before trying again (429, 503). */
  retryAfter?: number;
}

export type ApiResult<T> =
  { ok: true; status: number; data: T; headers: Headers } | { ok: false; problem: ApiProblem };

interface CallOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  schema: S;
  /**
   * May this request be sent again after a 503 or a short 429? Reads and requests that carry
   * an Idempotency-Key may, always; others only when the caller says repeating is harmless
   * (paying an order: one attempt per order, one charge per intent).
   */
  repeatable?: boolean;
}

/** A busy answer is waited out this often at most, each wait at most this long. */
const BUSY_RETRIES = 2;
const BUSY_WAIT_MAX_SECONDS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const NO_REFRESH = ['/api/users/refresh', '/api/users/signin', '/api/users/signup'];

/**
 * The browser's one way to call the platform (same origin, through the gateway, cookies
 * sent by the browser; no token is ever readable by script). It
 * - retries once after `POST /api/users/refresh` when a short-lived session has expired (401),
 * - runs the security layer's proof-of-work challenge (428) and repeats the same request,
 * - waits out a brief "busy" (503, or 429 with a Retry-After of a few seconds) and sends a
 *   repeatable request again, twice at most, so a moment of overload costs the fan a
 *   second's wait instead of an error,
 * - turns every refusal (429 rate limited, 403 blocked, 503 unavailable, 4xx with field
 *   errors) into an ApiProblem with a friendly message, never raw JSON.
 */
export async function callApi<S extends z.ZodType>(
  path: string,
  options: CallOptions<S>,
): Promise<ApiResult<z.infer<S>>> {
  const send = (extra: Record<string, string> = {}) =>
    fetch(path, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
        ...extra,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });

  let response: Response;
  try {
    response = await send();
    if (response.status === 401 && !NO_REFRESH.includes(path)) {
      const refreshed = await fetch('/api/users/refresh', {
        method: 'POST',
        credentials: 'same-origin',
      }).catch(() => undefined);
      if (refreshed?.ok) response = await send();
    }
    // Solutions are single-use, so a second challenge in a row gets a fresh solve.
    for (let attempt = 0; response.status === 428 && attempt < 2; attempt++) {
      const proof = await solveChallenge(response);
      if (!proof) break;
      response = await send({ 'X-Altcha': proof });
    }
    const repeatable =
      options.repeatable ||
      (options.method ?? 'GET') === 'GET' ||
      Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'idempotency-key');
    for (let attempt = 0; repeatable && attempt < BUSY_RETRIES; attempt++) {
      const wait = busyWaitSeconds(response);
      if (wait === undefined) break;
      await sleep(wait * 1000);
      response = await send();
    }
  } catch {
    return {
      ok: false,
      problem: {
        status: 0,
        code: 'network',
        message: 'We could not reach Ticketaka. Check your connection and try again.',
        fields: {},
      },
    };
  }

  const body: unknown = response.status === 204 ? {} : await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = options.schema.safeParse(body ?? {});
    if (parsed.success)
      return { ok: true, status: response.status, data: parsed.data, headers: response.headers };
    return { ok: false, problem: problemOf(502, undefined, undefined) };
  }
  return { ok: false, problem: problemOf(response.status, body, response.headers) };
}

/** How long to wait before repeating, for an answer that says "busy, come back shortly". */
function busyWaitSeconds(response: Response): number | undefined {
  if (response.status !== 503 && response.status !== 429) return undefined;
  const told = Number(response.headers.get('retry-after') ?? '');
  const seconds = Number.isFinite(told) && told > 0 ? told : 1;
  // A long wait is the fan's decision (the message says how long), not the page's.
  if (seconds > BUSY_WAIT_MAX_SECONDS) return undefined;
  return seconds;
}

function problemOf(status: number, body: unknown, headers: Headers | undefined): ApiProblem {
  const parsed = errorBodySchema.safeParse(body);
  const errors: ErrorItem[] = parsed.success ? parsed.data.errors : [];
  const first = errors[0];
  const retryAfter = Number(headers?.get('retry-after') ?? '') || undefined;
  const fields: Record<string, string> = {};
  for (const e of errors) if (e.field && !fields[e.field]) fields[e.field] = e.message;
  const code = first?.code ?? 'unexpected';
  return {
    status,
    code,
    message: friendlyMessage(status, code, first, retryAfter),
    fields,
    retryAfter,
  };
}

function friendlyMessage(
  status: number,
  code: string,
  first: ErrorItem | undefined,
  retryAfter: number | undefined,
): string {
  const wait = retryAfter
    ? ` Please wait ${retryAfter} second${retryAfter === 1 ? '' : 's'}`
    : ' Please wait a moment';
  if (status === 429 || code === 'rate_limited')
    return `You are going a little fast for us.${wait} and try again.`;
  if (code === 'blocked')
    return `This request was blocked for safety.${first?.reference ? ` If you think this is a mistake, contact support with reference ${first.reference}.` : ''}`;
  if (code === 'challenge_required')
    return 'We could not confirm that you are not a robot. Please try again.';
  if (status === 503 || code === 'unavailable')
    return `This part of Ticketaka is busy or restarting.${wait} and try again.`;
  if (status === 502) return 'Ticketaka gave an answer we did not understand. Please try again.';
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  return first?.message ?? 'That did not work. Please try again.';
}

/** Fetches and solves the ALTCHA proof-of-work; returns the X-Altcha header value. */
async function solveChallenge(response: Response): Promise<string | undefined> {
  const body: unknown = await response.json().catch(() => undefined);
  const url = errorBodySchema.safeParse(body).data?.challenge?.url ?? '/api/security/challenge';
  const challengeResponse = await fetch(url, { credentials: 'same-origin' });
  const challenge = altchaChallengeSchema.safeParse(
    await challengeResponse.json().catch(() => null),
  );
  if (!challenge.success) return undefined;
  const { solveChallenge: solve } = await import('altcha-lib');
  const { algorithm, challenge: hash, maxnumber, salt, signature } = challenge.data;
  const solution = await solve(hash, salt, algorithm, maxnumber).promise;
  if (!solution) return undefined;
  const payload = {
    algorithm,
    challenge: hash,
    number: solution.number,
    salt,
    signature,
    took: solution.took,
  };
  return btoa(JSON.stringify(payload));
}
