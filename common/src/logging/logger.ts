import pino, { type Logger } from 'pino';
import { currentContext } from '../context/request-context';

export type { Logger };

/**
 * Never log credentials or card data, whatever shape a log call passes them in.
 */
const redact = {
  paths: [
    'password',
    '*.password',
    'token',
    '*.token',
    'req.headers.authorization',
    'req.headers.cookie',
    'res.headers["set-cookie"]',
    'cardNumber',
    '*.cardNumber',
    '*.card.number',
  ],
  censor: '[redacted]',
};

export function createLogger(
  service: string,
  options: { level?: string; pretty?: boolean } = {},
): Logger {
  return pino(
    {
      name: service,
      level: options.level ?? 'info',
      redact,
      base: { service },
      // Every line written while handling a request or an event says which one.
      mixin: () => {
        const context = currentContext();
        if (!context) return {};
        const { requestId, correlationId, causationId } = context;
        return { requestId, correlationId, causationId };
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(options.pretty
        ? {
            transport: {
              target: 'pino-pretty',
              options: { colorize: true, ignore: 'pid,hostname' },
            },
          }
        : {}),
    },
    options.pretty ? undefined : stdout(),
  );
}

/**
 * Standard output written asynchronously: lines logged while a write is in flight go out
 * together in the next one, instead of one blocking write system call per line (a request's
 * access-log line was a write of its own on the on-sale path). Idle, a line is written at
 * once; pino flushes what is pending when the process exits.
 */
let shared: ReturnType<typeof pino.destination> | undefined;
function stdout() {
  shared ??= pino.destination({ dest: 1, sync: false });
  return shared;
}
