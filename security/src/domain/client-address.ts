import { isIP } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

/** `::ffff:1.2.3.4` is the IPv4 client 1.2.3.4 on a dual-stack socket. */
export function normaliseIp(raw: string): { ip: string; family: IpFamily } | undefined {
  const value = raw.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const version = isIP(value);
  if (version === 4) return { ip: value, family: 'ipv4' };
  if (version === 6) return { ip: value.toLowerCase(), family: 'ipv6' };
  return undefined;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array(Math.max(missing, 0)).fill('0'), ...right];
}

/**
 * The network a botnet most often shares: the /24 of an IPv4 address, the /64 of an IPv6
 * one (one customer line or one cloud host gets a whole /64).
 */
export function networkOf(ip: string, family: IpFamily): string {
  if (family === 'ipv4') return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  return `${expandIpv6(ip)
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
