/**
 * A server the platform talks to (PostgreSQL, NATS, Redis, Kafka, stripe-mock, the gateway).
 * `ensure` is idempotent: when something already answers on the server's port it is reused
 * and `started` is false, so a test run never stops a server that a local run started.
 */
export interface RunningServer {
  name: string;
  /** true when this call started it; false when it was already up and is reused. */
  started: boolean;
  url: string;
  /** The process this call started (absent when reused): chaos tests kill it outright. */
  pid?: number;
  stop(): Promise<void>;
}

export interface ServerDefinition {
  name: string;
  ensure(env?: NodeJS.ProcessEnv): Promise<RunningServer>;
}

export const reused = (name: string, url: string): RunningServer => ({
  name,
  started: false,
  url,
  stop: async () => undefined,
});
