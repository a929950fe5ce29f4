/**
 * How long a revocation must be remembered: as long as the longest access token it could
 * concern, plus room for clock skew between services. After that such tokens expire anyway.
 */
export const revocationTtlSeconds = (config: { ACCESS_TOKEN_TTL_SECONDS: number }) =>
  config.ACCESS_TOKEN_TTL_SECONDS + 60;
