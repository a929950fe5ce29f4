import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What caused the work in progress: the HTTP request (id from the gateway), the signed-in
 * user, and the chain of events behind it. Carried implicitly through async calls, so a
 * use case's logs, the RPC requests it makes and the events it appends all name the
 * request that started them without every function passing it along.
 */
export interface RequestContext {
  requestId?: string;
  userId?: string;
  /** Shared by every event that descends from one request (or one first event). */
  correlationId?: string;
  /** The event being handled when this work started, if any. */
  causationId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, work: () => T): T {
  return storage.run({ ...context }, work);
}

/** The context of the work in progress; a mutable object, so middleware can add the user. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** NATS header names for the context on request/reply. */
export const contextHeaders = {
  requestId: 'x-request-id',
  correlationId: 'x-correlation-id',
  causationId: 'x-causation-id',
} as const;
