import { isIP } from 'node:net';
import { z } from 'zod';

/** An address or a CIDR network, IPv4 or IPv6: `198.51.100.7`, `198.51.100.0/24`, `2001:db8::/48`. */
export const networkSchema = z
  .string()
  .trim()
  .max(64)
  .refine((value) => {
    const [address = '', prefix, ...rest] = value.split('/');
    const version = isIP(address);
    if (version === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    // A ban wider than a /8 (IPv4) or /16 (IPv6) is almost certainly a typo that locks out everyone.
    return version === 4
      ? Number(prefix) >= 8 && Number(prefix) <= 32
      : Number(prefix) >= 16 && Number(prefix) <= 128;
  }, 'must be an IPv4/IPv6 address or CIDR network no wider than /8 (IPv4) or /16 (IPv6)');

export const addBlocklistEntrySchema = z
  .object({
    network: networkSchema,
    reason: z.string().trim().min(1).max(500),
    /** Optional expiry, in seconds from now (at most 365 days); absent = until removed. */
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 24 * 3600)
      .optional(),
  })
  .strict();

export const entryIdParamsSchema = z.object({ id: z.string().uuid() });
