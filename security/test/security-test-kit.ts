import { CHECK_PATH, type RoutePolicyName } from '@ticketaka/common';
import { BROWSER } from '@ticketaka/common/testing';

export const GOOGLEBOT = {
  'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'accept-language': 'en',
};

let next = 1;
/** A fresh documentation-range address per call, so tests never share counters. */
export const freshIp = () => `198.51.${Math.floor(next / 250) % 250}.${(next++ % 250) + 1}`;

export interface CheckCall {
  ip: string;
  method?: string;
  path?: string;
  policy?: RoutePolicyName;
  token?: string;
  headers?: Record<string, string>;
  altcha?: string;
}

/** Calls the check as the gateway's subrequest does. */
export async function check(baseUrl: string, call: CheckCall) {
  const response = await fetch(`${baseUrl}${CHECK_PATH}?policy=${call.policy ?? 'browse'}`, {
    headers: {
      ...BROWSER,
      ...call.headers,
      'x-real-ip': call.ip,
      'x-original-method': call.method ?? 'GET',
      'x-original-uri': call.path ?? '/api/matches',
      ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      ...(call.altcha ? { 'x-altcha': call.altcha } : {}),
    },
  });
  const text = await response.text();
  return {
    status: response.status,
    verdict: response.headers.get('x-security-verdict'),
    headers: response.headers,
    body: text
      ? (JSON.parse(text) as { errors: { code: string; reference?: string }[] })
      : undefined,
  };
}
