import { stopStarted } from '../servers/core-servers';

/** Stops only the servers this test run started; servers of a running local platform stay. */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__ticketakaTestServers ?? [];
  await stopStarted(servers);
}
