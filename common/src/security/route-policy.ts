import { z } from 'zod';

/**
 * The named security policies a public route can carry (`policy` of a route in each
 * service's service.json). The gateway renders the check and the fail mode from this
 * table; the security service reads the same table to decide. One place, so a route's
 * meaning cannot drift between nginx, the Ingress and the service.
 */
export const routePolicyName = z.enum([
  /** Not checked at all: signature-checked webhooks, health. */
  'exempt',
  /** Catalogue and account reads. */
  'browse',
  /**
   * The web client's pages (a server render each): their own per-address budget, and not
   * counted toward the one-second velocity rule, because one page view legitimately fetches
   * several routes at once (the document, then the router's prefetches of visible links).
   */
  'page',
  /** Server-Sent Events: also capped in open connections per IP and in total. */
  'stream',
  'signin',
  'signup',
  /** Creating orders and payments: anti-hoarding rules and challenges for suspects. */
  'purchase',
  /** Admin API: the service itself checks the role; the gate only rate limits. */
  'admin',
]);
export type RoutePolicyName = z.infer<typeof routePolicyName>;

export type FailMode = 'open' | 'closed';
export type RateClass = Exclude<RoutePolicyName, 'exempt'>;

export interface RoutePolicy {
  checked: boolean;
  /** What the gateway does when the check does not answer within its timeout. */
  failRead: FailMode;
  failWrite: FailMode;
  /** When a write needs a proof-of-work solution. */
  challenge: 'never' | 'suspect' | 'always';
  /** Writes count toward the per-account unpaid-order and cool-down rules. */
  antiHoarding: boolean;
  /** Counted toward the per-address one-second velocity rule. */
  velocity: boolean;
}

const base: RoutePolicy = {
  checked: true,
  failRead: 'open',
  failWrite: 'open',
  challenge: 'never',
  antiHoarding: false,
  velocity: true,
};

export const routePolicies: Record<RoutePolicyName, RoutePolicy> = {
  exempt: { ...base, checked: false },
  browse: base,
  page: { ...base, velocity: false },
  stream: base,
  signin: base,
  signup: { ...base, failWrite: 'closed', challenge: 'always' },
  purchase: { ...base, failWrite: 'closed', challenge: 'suspect', antiHoarding: true },
  admin: base,
};

/** Reads never change state, so an unavailable check lets them through by default. */
export const isReadMethod = (method: string) => ['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The check's answer headers, read by the gateway (nginx auth_request_set / Ingress). */
export const SECURITY_HEADERS = {
  verdict: 'x-security-verdict',
  reference: 'x-security-reference',
  retryAfter: 'retry-after',
  rateLimit: 'ratelimit',
  rateLimitPolicy: 'ratelimit-policy',
  /** Request header carrying the ALTCHA solution (base64 of the payload JSON). */
  altcha: 'x-altcha',
} as const;

export const verdictName = z.enum(['allow', 'rate_limited', 'blocked', 'challenge']);
export type VerdictName = z.infer<typeof verdictName>;

/** Where the client fetches a proof-of-work challenge (public, checked as `browse`). */
export const CHALLENGE_PATH = '/api/security/challenge';
/** The gateway's subrequest target on the security service; never routed publicly. */
export const CHECK_PATH = '/internal/check';

/**
 * What a client receives for each refusal, whichever gateway answers (the local nginx
 * renders these strings into its config; in Kubernetes the security service renders them
 * for ingress-nginx). `reference` is the blocked answer's id (an nginx variable locally).
 */
export const refusalAnswers = {
  rate_limited: {
    status: 429,
    body: () => ({
      errors: [
        { code: 'rate_limited', message: 'Too many requests, please wait a moment and try again' },
      ],
    }),
  },
  challenge: {
    status: 428,
    body: () => ({
      errors: [
        { code: 'challenge_required', message: 'Please complete the short check and try again' },
      ],
      challenge: { url: CHALLENGE_PATH },
    }),
  },
  blocked: {
    status: 403,
    body: (reference: string) => ({
      errors: [{ code: 'blocked', message: 'This request was refused', reference }],
    }),
  },
} as const;
