import { durableNameOf, inboxPrefixOf, streamNameOf } from '@ticketaka/common';
import type { ServiceManifest } from '../registry/service-manifest';

/**
 * The NATS permissions of each service, derived from one place: the `messaging` of its
 * service.json, plus what its name implies (its own events, dead letters and rpc subjects)
 * and the naming rules of the bus (common/src/bus/event-bus.ts: streams, durables, inboxes).
 *
 * `namespaces`:
 * - `none` (Kubernetes): subjects and stream names exactly as in production;
 * - `any` (local servers, which every test file shares through EVENT_NAMESPACE): a subject
 *   may also carry one namespace token in front (`t1a2b.orders.>`), and stream names, which
 *   embed the namespace in their one token, are matched by `*`. The consumer names, the
 *   subjects and the inboxes stay exact, which is what keeps one service from publishing
 *   another's events, answering another's requests or reading another's consumers; what the
 *   looser stream token allows a local user in addition (creating or reading the
 *   configuration of any stream) is stated in docs/operations.md.
 */
export type NamespaceScope = 'none' | 'any';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** Lets a responder answer on the requester's reply subject (and only that, once). */
  allowResponses: boolean;
}

const DEADLETTER = 'deadletter';

export function natsPermissions(service: ServiceManifest, scope: NamespaceScope): NatsPermissions {
  const messaging = service.messaging;
  if (!messaging) throw new Error(`${service.name} has no messaging in its service.json`);
  const subjects = (...list: string[]) =>
    scope === 'any' ? list.flatMap((s) => [s, `*.${s}`]) : list;
  const stream = (producer: string) => (scope === 'any' ? '*' : streamNameOf(producer));
  const name = service.name;

  /** (stream, consumer) pairs this service creates, reads from and acks on. */
  const consumers: { producer: string; durable: string; filter: string; replay?: boolean }[] = [
    ...messaging.consumes.map((type) => ({
      producer: type.split('.')[0] as string,
      durable: durableNameOf(name, type),
      filter: type,
    })),
    ...messaging.observes.flatMap((producer) => {
      const durable = durableNameOf(name, `${producer}.>`);
      return [
        { producer, durable, filter: `${producer}.>` },
        { producer, durable: `${durable}_replay`, filter: `${producer}.>`, replay: true },
      ];
    }),
  ];
  const streams = [...new Set([name, DEADLETTER, ...consumers.map((c) => c.producer)])];

  const jsApi = [
    '$JS.API.INFO',
    ...streams.flatMap((p) => [
      `$JS.API.STREAM.INFO.${stream(p)}`,
      `$JS.API.STREAM.CREATE.${stream(p)}`,
    ]),
    // Only a stream's producer changes its configuration (copies); dead letters are everyone's.
    `$JS.API.STREAM.UPDATE.${stream(name)}`,
    `$JS.API.STREAM.UPDATE.${stream(DEADLETTER)}`,
    ...consumers.flatMap(({ producer, durable, filter, replay }) => {
      const at = `${stream(producer)}.${durable}`;
      return [
        `$JS.API.CONSUMER.CREATE.${at}`,
        ...subjects(filter).map((f) => `$JS.API.CONSUMER.CREATE.${at}.${f}`),
        `$JS.API.CONSUMER.DURABLE.CREATE.${at}`,
        `$JS.API.CONSUMER.INFO.${at}`,
        `$JS.API.CONSUMER.MSG.NEXT.${at}`,
        ...(replay ? [`$JS.API.CONSUMER.DELETE.${at}`] : []),
        `$JS.ACK.${at}.>`,
      ];
    }),
  ];
  const publish = [
    ...subjects(`${name}.>`, `${DEADLETTER}.${name}.>`, ...messaging.asks),
    ...jsApi,
  ];
  const subscribe = [
    `${inboxPrefixOf(name)}.>`,
    // Its own events, live (e.g. tickets' availability feed, security's blocklist reloads).
    ...subjects(`${name}.>`),
    ...(messaging.answers ? subjects(`rpc.${name}.>`) : []),
  ];
  return {
    publish: unique(publish),
    subscribe: unique(subscribe),
    allowResponses: messaging.answers,
  };
}

const unique = (list: string[]) => [...new Set(list)];

/** The services that have a NATS user (and a database role and a Redis user). */
export const servicesWithUsers = (services: ServiceManifest[]) =>
  services.filter((s) => s.messaging !== undefined);

export interface NatsUser {
  name: string;
  /** The nkey's public key, or a `$VARIABLE` the server reads from its environment. */
  nkey: string;
  /** Absent: every permission (the admin user of tools and tests). */
  permissions?: NatsPermissions;
}

const quote = (s: string) => JSON.stringify(s);

/** The `authorization` block of a nats-server configuration. */
export function renderNatsAuthorization(users: NatsUser[]): string {
  const lines = ['authorization {', '  users = ['];
  for (const user of users) {
    lines.push(`    # ${user.name}`);
    if (!user.permissions) {
      lines.push(`    { nkey: ${user.nkey} }`);
      continue;
    }
    const { publish, subscribe, allowResponses } = user.permissions;
    lines.push(`    {`, `      nkey: ${user.nkey}`, `      permissions: {`);
    lines.push(
      `        publish: { allow: [`,
      ...publish.map((s) => `          ${quote(s)}`),
      `        ] }`,
    );
    lines.push(
      `        subscribe: { allow: [`,
      ...subscribe.map((s) => `          ${quote(s)}`),
      `        ] }`,
    );
    if (allowResponses) lines.push(`        allow_responses: true`);
    lines.push(`      }`, `    }`);
  }
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}
