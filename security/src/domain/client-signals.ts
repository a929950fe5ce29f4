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
  /** Stable per browser install and language, not per person: a botnet signal only in numbers. */
  fingerprint: string;
}

export function readSignals(headers: RequestHeaders): ClientSignals {
  const ua = headers['user-agent'] ?? '';
  const fingerprint = createHash('sha256')
    .update([ua, headers['accept-language'] ?? '', headers['sec-ch-ua'] ?? ''].join('\n'))
    .digest('base64url')
    .slice(0, 16);
  return {
    knownBot: ua !== '' && isbot(ua),
    missingBrowserHeaders: ua === '' || !headers['accept-language'],
    fingerprint,
  };
}
