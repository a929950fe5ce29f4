import { parseAllDocuments } from 'yaml';
import { routePolicies } from '@ticketaka/common/src/security/route-policy';
import { renderIngressYaml } from '../src/gateway/ingress';
import { renderNginxConfig } from '../src/gateway/nginx-config';
import { gatewayRoutes } from '../src/gateway/routes';
import { gatewaySecurityOptions } from '../src/servers/nginx-gateway.server';
import { serviceDefinitions } from '../src/services';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
const upstreams = Object.fromEntries(
  serviceDefinitions.map((s) => [s.name, `127.0.0.1:${s.port}`]),
);
const conf = renderNginxConfig({
  listenPort: 8080,
  upstreams,
  securityCheckUpstream: '127.0.0.1:4007',
});

/** The body of `location <prefix> { … }` in the rendered config. */
function locationBlock(prefix: string): string {
  const start = conf.indexOf(`    location ${prefix} {\n`);
  if (start < 0) throw new Error(`no location ${prefix}`);
  return conf.slice(start, conf.indexOf('\n    }', start));
}

test('when the routes are rendered, then the webhook is exempt from the check and every other route is checked with its own policy', () => {
  expect(gatewayRoutes.find((r) => r.prefix === '/api/payments/webhooks/')?.policy).toBe('exempt');
  for (const route of gatewayRoutes) {
    const block = locationBlock(route.prefix);
    if (routePolicies[route.policy].checked) {
      expect([route.prefix, block]).toEqual([
        route.prefix,
        expect.stringContaining('auth_request /_security_check;'),
      ]);
      expect(block).toContain(`set $sec_policy ${route.policy};`);
    } else {
      expect([route.prefix, block.includes('auth_request')]).toEqual([route.prefix, false]);
    }
  }
  expect(conf).toContain('location = /healthz { default_type application/json; return 200');
});

test('when sign-up, sign-in and orders are rendered, then they carry the strict policies with sign-up and orders failing closed on writes', () => {
  expect(locationBlock('/api/users/signup')).toContain('set $sec_fail_write closed;');
  expect(locationBlock('/api/users/signin')).toContain('set $sec_policy signin;');
  expect(locationBlock('/api/orders')).toContain('set $sec_fail_write closed;');
  expect(locationBlock('/api/orders')).toContain('set $sec_fail_read open;');
  expect(locationBlock('/api/matches')).toContain('set $sec_fail_write open;');
  expect(conf).toContain('proxy_read_timeout 50ms;');
});

test('when no trusted proxy is configured, then X-Forwarded-For is never believed, and the services get the address nginx determined', () => {
  expect(conf).not.toContain('set_real_ip_from');
  expect(locationBlock('/api/orders')).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
  expect(gatewaySecurityOptions(serviceDefinitions, {}).trustedProxies).toEqual([]);
  const trusted = renderNginxConfig({
    listenPort: 8080,
    upstreams,
    ...gatewaySecurityOptions(serviceDefinitions, {
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
    }),
  });
  expect(trusted).toContain('set_real_ip_from 127.0.0.1;');
  expect(trusted).toContain('set_real_ip_from 10.0.0.0/8;');
  expect(() =>
    gatewaySecurityOptions(serviceDefinitions, { GATEWAY_TRUSTED_PROXIES: 'everyone' }),
  ).toThrow('GATEWAY_TRUSTED_PROXIES');
});

test('when the ingress is rendered, then every checked route asks security with its policy and the webhook does not', () => {
  const ingresses = parseAllDocuments(renderIngressYaml()).map((d) => d.toJS() as any);
  const byPath = new Map<string, any>();
  for (const ingress of ingresses)
    for (const p of ingress.spec.rules[0].http.paths)
      byPath.set(p.path, ingress.metadata.annotations);
  for (const route of gatewayRoutes) {
    const authUrl = byPath.get(route.prefix)?.['nginx.ingress.kubernetes.io/auth-url'];
    if (routePolicies[route.policy].checked)
      expect([route.prefix, authUrl]).toEqual([
        route.prefix,
        expect.stringMatching(
          new RegExp(`/internal/check\\?policy=${route.policy}&gateway=ingress$`),
        ),
      ]);
    else expect([route.prefix, authUrl]).toEqual([route.prefix, undefined]);
  }
  expect(byPath.get('/api/matches/stream')['nginx.ingress.kubernetes.io/limit-connections']).toBe(
    '8',
  );
});
