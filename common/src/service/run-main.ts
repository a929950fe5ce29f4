import { ConfigError } from '../config/load-config';

/**
 * The process entry of every service: starts it, turns SIGTERM/SIGINT into a graceful stop
 * (stop taking requests, finish in-flight work, drain NATS, close the pool), and treats an
 * unhandled rejection or exception as fatal after logging it, sharing the same stop path.
 */
export function runMain(
  name: string,
  start: () => Promise<{
    close(): Promise<void>;
    logger?: { fatal: (o: object, m: string) => void };
  }>,
) {
  let service: Awaited<ReturnType<typeof start>> | undefined;
  let stopping = false;

  // Kubernetes sets it below terminationGracePeriodSeconds, so we exit before being killed.
  const shutdownMs = (Number(process.env.SHUTDOWN_TIMEOUT_SECONDS) || 20) * 1000;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code || 1), shutdownMs);
    force.unref();
    await service?.close().catch(() => undefined);
    process.exit(code);
  };

  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  process.on('unhandledRejection', (reason) => {
    service?.logger?.fatal({ err: reason }, 'unhandled promise rejection');
    if (!service?.logger) console.error(reason);
    void stop(1);
  });
  process.on('uncaughtException', (error) => {
    service?.logger?.fatal({ err: error }, 'uncaught exception');
    if (!service?.logger) console.error(error);
    void stop(1);
  });

  start().then(
    (started) => {
      service = started;
      if (stopping) void started.close();
    },
    (error: unknown) => {
      if (error instanceof ConfigError) console.error(error.message);
      else console.error(`${name} failed to start:`, error);
      process.exit(1);
    },
  );
}
