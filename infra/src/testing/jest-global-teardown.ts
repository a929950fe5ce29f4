/** Stops only the servers this test run started; servers of a running local platform stay. */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__ticketakaTestServers ?? [];
  await Promise.all(servers.filter((s) => s.started).map((s) => s.stop()));
}
