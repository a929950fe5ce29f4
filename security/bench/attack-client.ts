import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BROWSER } from '@ticketaka/common/testing';

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the platform
  headers: Headers;
  ms: number;
}

/** Tally of every answer an actor received, by status. */
export class Tally {
  readonly statuses = new Map<number, number>();
  readonly latencies: number[] = [];
  /** 5xx answers by status and error code, to tell the gateway's fail-closed 503 from a service's. */
  readonly serverErrorCodes = new Map<string, number>();
  count(answer: Answer) {
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    this.latencies.push(answer.ms);
    if (answer.status >= 500) {
      const key = `${answer.status} ${answer.body?.errors?.[0]?.code ?? '?'}`;
      this.serverErrorCodes.set(key, (this.serverErrorCodes.get(key) ?? 0) + 1);
    }
  }
  describeServerErrors() {
    return [...this.serverErrorCodes].map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
  }
  get serverErrors() {
    return [...this.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  }
  describe() {
    return [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, c]) => `${s}×${c}`)
      .join(' ');
  }
}

/**
 * HTTP to the gateway as a client at `ip`. The address travels in X-Forwarded-For, which
 * the gateway believes only because the attack's own config made loopback a trusted proxy.
 */
export function clientAt(gateway: string, tally: Tally) {
  return async function send(
    method: string,
    path: string,
    options: {
      ip: string;
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      altcha?: string;
    },
  ): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: {
        ...BROWSER,
        ...options.headers,
        'x-forwarded-for': options.ip,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.altcha ? { 'x-altcha': options.altcha } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (should not happen on /api); kept as text for the report.
    }
    const answer = {
      status: response.status,
      body,
      headers: response.headers,
      ms: performance.now() - started,
    };
    tally.count(answer);
    return answer;
  };
}
export type Send = ReturnType<typeof clientAt>;

/**
 * ALTCHA's proof-of-work, solved the way its widget does (SHA-256 of salt + number until
 * the challenge matches), synchronously with node:crypto: the attacker's bots and the
 * honest fans' browsers both pay this cost.
 */
export function solve(challenge: {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}): string {
  for (let n = 0; n <= challenge.maxnumber; n++) {
    if (
      createHash('sha256')
        .update(challenge.salt + n)
        .digest('hex') === challenge.challenge
    ) {
      return Buffer.from(
        JSON.stringify({
          algorithm: challenge.algorithm,
          challenge: challenge.challenge,
          number: n,
          salt: challenge.salt,
          signature: challenge.signature,
        }),
      ).toString('base64');
    }
  }
  throw new Error('unsolvable challenge');
}

/** Sends; when the answer is 428, fetches a challenge, solves it and sends once more. */
export async function withChallenge(
  send: Send,
  method: string,
  path: string,
  options: Parameters<Send>[2],
): Promise<Answer> {
  const first = await send(method, path, options);
  if (first.status !== 428) return first;
  const challenge = await send('GET', '/api/security/challenge', { ip: options.ip });
  if (challenge.status !== 200) return challenge;
  return send(method, path, { ...options, altcha: solve(challenge.body) });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` for items 0..count-1 with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
