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
  return pino({
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
          transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
        }
      : {}),
  });
}
