/**
 * The gateway's micro-cache (nginx proxy_cache) for routes marked `microCache` in their
 * service.json: the catalogue API and the anonymous catalogue pages.
 *
 * The service decides, per answer, whether and how long it may be kept: only an answer with
 * `X-Accel-Expires` is stored, for exactly the time it names (tickets and the client say
 * `@<the second the answer was read in>`, so nothing is kept past the end of that second).
 * Cache-Control / Expires / Vary of the upstream do not steer the gateway (they are for
 * browsers: `no-cache` + ETag, revalidated with a 304 that nginx answers from the cache).
 *
 * Never shared: any request with a cookie or an Authorization header (a signed-in fan, or
 * one who may be) neither reads nor fills the cache, nor does a Next.js client navigation
 * (RSC flight data under the same URL as the HTML). nginx also never stores an answer that
 * sets a cookie.
 *
 * One fill per key: concurrent misses wait for the first (proxy_cache_lock), so a key costs
 * its upstream about one request per second however many fans ask. A stale entry is never
 * served (no proxy_cache_use_stale): the 1-second bound holds even while refreshing.
 */
export function microCacheHttpLines(tempDir: string): string {
  return `  proxy_cache_path ${tempDir}/micro-cache levels=1:2 keys_zone=micro_cache:10m max_size=256m inactive=10s use_temp_path=off;
  # At most two copies of each answer (gzip and identity), whatever each browser's Accept-Encoding says.
  map $http_accept_encoding $micro_cache_encoding {
    "~*(^|,)\\s*gzip\\s*;\\s*q=0(\\.0*)?\\s*(,|$)" "";
    "~*gzip" gzip;
    default "";
  }
`;
}

export function microCacheLocationLines(): string[] {
  return [
    '      proxy_cache micro_cache;',
    '      proxy_cache_key "$scheme|$host|$request_uri|$micro_cache_encoding";',
    '      proxy_set_header Accept-Encoding $micro_cache_encoding;',
    '      proxy_ignore_headers Cache-Control Expires Vary;',
    '      proxy_cache_bypass $http_cookie $http_authorization $http_rsc $http_next_router_state_tree $http_next_router_prefetch;',
    '      proxy_no_cache $http_cookie $http_authorization $http_rsc $http_next_router_state_tree $http_next_router_prefetch;',
    '      proxy_cache_lock on;',
    '      proxy_cache_lock_timeout 2s;',
    // HIT / MISS / BYPASS / EXPIRED: what the benchmark and the tests read.
    '      add_header X-Cache-Status $upstream_cache_status always;',
  ];
}
