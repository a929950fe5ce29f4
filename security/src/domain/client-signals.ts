import { createHash } from 'node:crypto';
import { isbot } from 'isbot';

export interface RequestHeaders {
  'user-agent'?: string;
  accept?: string;
  'accept-language'?: string;
  'sec-fetch-mode'?: string;
  'sec-ch-ua'?: string;
}

export interface ClientSignals {
  knownBot: boolean;
  /** Lacks what every browser sends (a user agent, Accept-Language): scripts, headless tools. */
  missingBrowserHeaders: boolean;
  /**
   * Stable per browser install and language, not per person: a botnet signal only in
   * numbers. A hash, computed only for the rules that use it (sign-up quotas).
   */
  fingerprint(): string;
}

// isbot's pattern is one large regular expression run on every check; the same few hundred
// user agents make up nearly all traffic, so their answers are kept (bounded: a flood of
// made-up user agents only ever refills the cache).
const BOT_CACHE_SIZE = 2000;
const botAnswers = new Map<string, boolean>();
function isKnownBot(ua: string): boolean {
  const cached = botAnswers.get(ua);
  if (cached !== undefined) return cached;
  const answer = isbot(ua);
  if (botAnswers.size >= BOT_CACHE_SIZE) botAnswers.clear();
  botAnswers.set(ua, answer);
  return answer;
}

export function readSignals(headers: RequestHeaders): ClientSignals {
  const ua = headers['user-agent'] ?? '';
  return {
    knownBot: ua !== '' && isKnownBot(ua),
    missingBrowserHeaders: ua === '' || !headers['accept-language'],
    fingerprint: () =>
      createHash('sha256')
        .update([ua, headers['accept-language'] ?? '', headers['sec-ch-ua'] ?? ''].join('\n'))
        .digest('base64url')
        .slice(0, 16),
  };
}
