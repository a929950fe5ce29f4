import { refusalAnswers, routePolicies } from '@ticketaka/common/src/security/route-policy';
import { microCacheHttpLines, microCacheLocationLines } from './micro-cache';
import { gatewayRoutes, type GatewayRoute } from './routes';

export interface NginxConfigInput {
  listenPort: number;
  /**
   * Upstream address(es) of each service that runs (several: replicas, balanced by nginx);
   * routes to absent services answer 503.
   */
  upstreams: Record<string, string | string[]>;
  /**
   * The security service (host:port), asked by nginx before every checked API request
   * (auth_request). Unset: no check (the security service is not running).
   */
  securityCheckUpstream?: string | string[];
  /** Where nginx's workers buffer bodies; `tmp` under the prefix unless they cannot reach it. */
  tempDir?: string;
  /**
   * Proxies whose X-Forwarded-For is believed (addresses or CIDRs). Empty by default: the
   * client address is the TCP peer, and a client's own X-Forwarded-For changes nothing.
   */
  trustedProxies?: string[];
  /** A check slower than this counts as "security is down" (the route's fail policy applies). */
  checkTimeoutMs?: number;
  /** Open Server-Sent Events streams per client address, and in total. */
  streamsPerIp?: number;
  streamsTotal?: number;
}

export const GATEWAY_DEFAULTS = { checkTimeoutMs: 50, streamsPerIp: 8, streamsTotal: 3000 };

const json = (status: number, code: string, message: string) =>
  `default_type application/json; return ${status} '{"errors":[{"message":"${message}","code":"${code}"}]}';`;

const upstreamName = (service: string) => service.replace(/-/g, '_');

/**
 * Response headers every answer carries (the services' own Content-Security-Policy, stricter
 * for JSON, is kept next to the gateway's frame-ancestors). nginx drops inherited add_header lines in any
 * block that declares its own, so the blocks below repeat them through this one list.
 */
const securityHeaders = [
  'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
  'add_header X-Content-Type-Options "nosniff" always;',
  'add_header Content-Security-Policy "frame-ancestors \'none\'" always;',
  'add_header X-Frame-Options "DENY" always;',
  'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
];
const hiddenUpstreamHeaders = [
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'Referrer-Policy',
];
const headers = (indent: string) => securityHeaders.map((h) => indent + h).join('\n');

function checkLines(route: GatewayRoute): string[] {
  const policy = routePolicies[route.policy];
  return [
    // The check's fail mode and policy travel to the subrequest as variables (shared with it).
    `      set $sec_policy ${route.policy};`,
    `      set $sec_fail_read ${policy.failRead};`,
    `      set $sec_fail_write ${policy.failWrite};`,
    '      auth_request /_security_check;',
    '      auth_request_set $sec_verdict $upstream_http_x_security_verdict;',
    '      auth_request_set $sec_reference $upstream_http_x_security_reference;',
    '      auth_request_set $sec_retry_after $upstream_http_retry_after;',
    '      auth_request_set $sec_ratelimit $upstream_http_ratelimit;',
    '      auth_request_set $sec_ratelimit_policy $upstream_http_ratelimit_policy;',
    // Not intercepted from the services (proxy_intercept_errors is off): only the check's.
    '      error_page 403 = @security_refused;',
    '      error_page 401 = @security_unavailable;',
  ];
}

function location(route: GatewayRoute, input: NginxConfigInput): string {
  const upstream = input.upstreams[route.service];
  if (!upstream) {
    return `    location ${route.prefix} { ${json(503, 'service_not_running', `The ${route.service} service is not running`)} }`;
  }
  const checked = input.securityCheckUpstream && routePolicies[route.policy].checked;
  const lines = [
    `    location ${route.prefix} {`,
    ...(checked ? checkLines(route) : []),
    `      proxy_pass http://${upstreamName(route.service)};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Request-Id $request_id;',
    // The client address as the gateway determined it; a client's own header is replaced.
    '      proxy_set_header X-Real-IP $remote_addr;',
    '      proxy_set_header X-Forwarded-For $remote_addr;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    // The gateway sets these for every answer (its own included); one copy each, not two.
    ...hiddenUpstreamHeaders.map((h) => `      proxy_hide_header ${h};`),
  ];
  if (route.streaming) {
    lines.push(
      '      limit_conn streams_per_ip ' +
        (input.streamsPerIp ?? GATEWAY_DEFAULTS.streamsPerIp) +
        ';',
      '      limit_conn streams_total ' +
        (input.streamsTotal ?? GATEWAY_DEFAULTS.streamsTotal) +
        ';',
      '      error_page 429 = @too_many_streams;',
      '      proxy_buffering off;',
      '      proxy_cache off;',
      '      proxy_read_timeout 1h;',
    );
  }
  if (route.rawBody) lines.push('      proxy_request_buffering on;');
  if (route.microCache && !route.streaming) {
    // add_header here drops the server's inherited ones: repeat them.
    lines.push(...microCacheLocationLines(), headers('      '));
  }
  lines.push('    }');
  return lines.join('\n');
}

/**
 * Unknown API paths answer a JSON 404 even when a web client owns `/` (a browser page for
 * `/api/nope` would confuse API clients); without a client, everything else does too.
 */
function fallbacks(routes: GatewayRoute[]): string {
  const notFound = `{ ${json(404, 'route_not_found', 'No such route')} }`;
  const lines = routes.some((r) => r.prefix === '/api/') ? [] : [`    location /api/ ${notFound}`];
  if (!routes.some((r) => r.prefix === '/')) lines.push(`    location / ${notFound}`);
  return lines.join('\n');
}

/**
 * The auth_request target and the answers built from its verdict. nginx's auth_request
 * understands only 2xx / 401 / 403 from the subrequest, so security answers every refusal
 * with 403 + X-Security-Verdict, and @security_refused turns it into the contract's
 * 429 / 428 / 403 (docs: /work SECURITY-CONTRACT, security/README.md). When the check does
 * not answer in time (or answers 5xx), the route's fail mode decides: open lets the request
 * through, closed answers 503.
 */
function securityBlocks(input: NginxConfigInput): string {
  const timeout = `${input.checkTimeoutMs ?? GATEWAY_DEFAULTS.checkTimeoutMs}ms`;
  // The bodies are the contract's (common/src/security/route-policy.ts), JSON as nginx returns it.
  const body = (kind: keyof typeof refusalAnswers, reference = '') =>
    JSON.stringify(refusalAnswers[kind].body(reference));
  return `    location = /_security_check {
      internal;
      proxy_pass http://security_check/internal/check?policy=$sec_policy;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout ${timeout};
      proxy_send_timeout ${timeout};
      proxy_read_timeout ${timeout};
      proxy_next_upstream off;
      proxy_intercept_errors on;
      error_page 500 502 503 504 = @security_down_$sec_fail;
    }
    location @security_down_open { return 204; }
    location @security_down_closed { return 401; }
    location @security_refused {
      default_type application/json;
${headers('      ')}
      if ($sec_verdict = rate_limited) {
${headers('        ')}
        add_header Retry-After $sec_retry_after always;
        add_header RateLimit-Policy $sec_ratelimit_policy always;
        add_header RateLimit $sec_ratelimit always;
        return 429 '${body('rate_limited')}';
      }
      if ($sec_verdict = challenge) {
        return 428 '${body('challenge')}';
      }
      return 403 '${body('blocked', '$sec_reference')}';
    }
    location @security_unavailable {
      default_type application/json;
${headers('      ')}
      add_header Retry-After 5 always;
      return 503 '{"errors":[{"code":"unavailable","message":"This is briefly unavailable, please try again in a few seconds"}]}';
    }
    location @too_many_streams {
      default_type application/json;
${headers('      ')}
      add_header Retry-After 30 always;
      return 429 '{"errors":[{"code":"rate_limited","message":"Too many open live streams"}]}';
    }
`;
}

const securityHttpBlocks = (
  check: string | string[],
) => `  # Every checked request makes a subrequest: connections to security are kept open and
  # reused for many requests (nginx's default would reopen one every 1,000), under the
  # service's own keep-alive timeout (65 s) so nginx never reuses a socket being closed.
  upstream security_check {
${[check]
  .flat()
  .map((address) => `    server ${address};`)
  .join('\n')}
    keepalive 64;
    keepalive_requests 100000;
    keepalive_timeout 60s;
  }
  # The check's fail mode: reads use the route's read mode, everything else its write mode.
  map $request_method $sec_fail {
    GET $sec_fail_read;
    HEAD $sec_fail_read;
    OPTIONS $sec_fail_read;
    default $sec_fail_write;
  }
`;

/** Renders the local gateway's nginx.conf from the routing table. Paths are relative to nginx's -p prefix. */
export function renderNginxConfig(input: NginxConfigInput): string {
  const upstreams = Object.entries(input.upstreams)
    .map(
      ([service, addresses]) =>
        `  upstream ${upstreamName(service)} { ${[addresses]
          .flat()
          .map((address) => `server ${address};`)
          .join(' ')} keepalive 64; }`,
    )
    .join('\n');
  const routes = [...gatewayRoutes].sort((a, b) => b.prefix.length - a.prefix.length);
  const check = input.securityCheckUpstream;
  const realIp = (input.trustedProxies ?? [])
    .map((proxy) => `  set_real_ip_from ${proxy};`)
    .join('\n');
  return `# Generated by infra/src/gateway/nginx-config.ts from the routes in each service.json; do not edit.
worker_processes 2;
error_log logs/error.log warn;
pid run/nginx.pid;
events { worker_connections 4096; }
http {
  access_log logs/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${input.tempDir ?? 'tmp'}/client_body;
  proxy_temp_path ${input.tempDir ?? 'tmp'}/proxy;
  fastcgi_temp_path ${input.tempDir ?? 'tmp'}/fastcgi;
  uwsgi_temp_path ${input.tempDir ?? 'tmp'}/uwsgi;
  scgi_temp_path ${input.tempDir ?? 'tmp'}/scgi;
  # The services refuse bodies over 100 kB with a JSON 413; the gateway stops anything far larger.
  client_max_body_size 1m;
  server_tokens off;
  # Client address: X-Forwarded-For is believed only from the trusted proxies listed here
  # (none by default), taking the last address a trusted proxy did not add.
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;
${realIp}
  limit_conn_zone $binary_remote_addr zone=streams_per_ip:10m;
  # One key for every client (an empty key would not be counted at all).
  map $scheme $streams_everyone { default everyone; }
  limit_conn_zone $streams_everyone zone=streams_total:1m;
  limit_conn_status 429;
  limit_conn_log_level warn;
${upstreams}
${routes.some((r) => r.microCache) ? microCacheHttpLines(input.tempDir ?? 'tmp') : ''}${check ? securityHttpBlocks(check) : ''}  server {
    listen 127.0.0.1:${input.listenPort};
${headers('    ')}
    error_page 413 = @too_large;
    error_page 502 503 504 = @unavailable;
    error_page 404 = @not_found;
    location @too_large { ${json(413, 'payload_too_large', 'The request body is too large')} }
    location @unavailable { ${json(503, 'unavailable', 'The service is temporarily unavailable, try again shortly')} }
    location @not_found { ${json(404, 'route_not_found', 'No such route')} }
    location = /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
${check ? securityBlocks(input) : ''}${routes.map((r) => location(r, input)).join('\n')}
${fallbacks(routes)}
  }
}
`;
}
