import { nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { readCredential } from '../credentials/service-credentials';
import { localCredentialsDir } from '../config/local-defaults';

export interface NatsConnectionOptions {
  servers: string;
  /** Whose nkey signs the connection: a service's name, or `admin` for tooling. */
  user: string;
  /** Where `<user>/nats.nk` lives; the local installation's folder when omitted. */
  credentialsDir?: string;
  name: string;
  maxReconnectAttempts?: number;
}

/**
 * Reply subjects of a user's requests (and JetStream's answers to it) start with this, so
 * the server lets each user subscribe to its own replies only, never to another's.
 */
export const inboxPrefixOf = (user: string) => `_INBOX_${user.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** The one place a NATS connection is opened: authenticated with the user's nkey. */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const seed = new TextEncoder().encode(
    readCredential(options.credentialsDir ?? localCredentialsDir(), options.user, 'nats'),
  );
  return connect({
    servers: options.servers.split(','),
    name: options.name,
    authenticator: nkeyAuthenticator(seed),
    inboxPrefix: inboxPrefixOf(options.user),
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
  });
}
