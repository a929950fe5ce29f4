import type { CurrentUser, TokenVerifier } from '@ticketaka/common';

/**
 * Who the token belongs to, for the check, remembered for a moment. A signed-in fan's page
 * sends several requests a second, each checked. The signature itself is remembered by
 * common's token verifier (`common/src/auth/token-verifier.ts`) for every service; what this
 * adds is skipping the revocation lookup in Redis for `ttlMs`. The account here only
 * decides which per-account rules apply (stricter, never looser); every service behind
 * the gateway verifies the token in full again, so a token revoked within the last
 * `ttlMs` still opens nothing. Only successes are kept; the map is bounded.
 */
export function rememberVerifiedTokens(
  verifier: TokenVerifier,
  options: { ttlMs: number; max: number; now?: () => number },
) {
  const now = options.now ?? Date.now;
  const known = new Map<string, { user: CurrentUser; until: number }>();
  return async function userOf(token: string): Promise<CurrentUser | null> {
    const hit = known.get(token);
    const at = now();
    if (hit && hit.until > at) return hit.user;
    if (hit) known.delete(token);
    try {
      const { user } = await verifier.verify(token);
      if (known.size >= options.max) known.clear();
      known.set(token, { user, until: at + options.ttlMs });
      return user;
    } catch {
      // A bad, expired or revoked token is no account.
      return null;
    }
  };
}
