/**
 * How every benchmark script ends. A private platform's processes are detached, so they
 * outlive the script unless it stops them, and a platform left running holds its ports and
 * makes the next run refuse its home. So every way out goes through the same steps: the
 * normal end, a failure, the time limit (exit 2), SIGINT (130) and SIGTERM (143) each run
 * the registered stops once, newest first, bounded by 60 s, and then exit.
 *
 *   runBounded({ minutes: 7 }, async (onStop) => {
 *     const starting = startSomething();
 *     onStop(async () => (await starting).close());   // registered before it has started
 *     …
 *   });
 */
export function runBounded(
  options: { minutes: number },
  main: (onStop: (stop: () => Promise<unknown>) => void) => Promise<void>,
): void {
  const stops: (() => Promise<unknown>)[] = [];
  let ending: Promise<void> | undefined;
  const end = (code: number, message?: string) =>
    (ending ??= (async () => {
      if (message) console.error(message);
      const stopAll = (async () => {
        for (const stop of stops.reverse())
          await stop().catch((error: unknown) =>
            console.error(`  while stopping: ${(error as Error).message}`),
          );
      })();
      const grace = new Promise((resolve) => setTimeout(resolve, 60_000).unref());
      await Promise.race([stopAll, grace]);
      process.exit(code);
    })());

  setTimeout(
    () => void end(2, `time limit of ${options.minutes} minutes reached; stopping`),
    options.minutes * 60_000,
  ).unref();
  process.once('SIGINT', () => void end(130, 'SIGINT: stopping'));
  process.once('SIGTERM', () => void end(143, 'SIGTERM: stopping'));
  main((stop) => void stops.push(stop)).then(
    () => end(Number(process.exitCode ?? 0)),
    (error: unknown) => {
      // After a signal or the limit, the run failing is the stop's doing, not news.
      if (!ending) console.error(error);
      return end(1);
    },
  );
}
