import type { LimitExceeded } from './rate-limits';

/** What the check answers for one request; everything but `allow` is refused at the gateway. */
export type Verdict =
  | { kind: 'allow' }
  | ({ kind: 'rate_limited'; reason: string } & LimitExceeded)
  | { kind: 'blocked'; reason: string; reference: string }
  | { kind: 'challenge'; reason: string };

export const allow: Verdict = { kind: 'allow' };
