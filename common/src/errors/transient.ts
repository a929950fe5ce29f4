import { RetryLaterError } from '../bus/dead-letter';
import { AppError } from './app-error';

/**
 * PostgreSQL SQLSTATEs that describe the server or the moment, not the statement: a retry
 * later can succeed. Class 08 (connection exceptions) is matched by prefix.
 */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown (server restarting)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57014', // query_canceled (statement_timeout: a slow dependency)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '25P03', // idle_in_transaction_session_timeout
]);

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ENOTCONN',
]);

/** NATS client error codes for a connection that is away or a request nobody answered. */
const TRANSIENT_NATS_CODES = new Set([
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'DISCONNECT',
  'NO_RESPONDERS',
  '503',
]);

const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /connection (is )?closed/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  /stream isn't writeable/i,
  /reached the max retries per request limit/i,
  /no responders/i,
  /\b(timeout|timed out)\b/i,
  /disconnected/i,
];

/**
 * Whether an error says "a dependency is away or slow right now" rather than "this input
 * can never succeed". Consumers retry the first kind without spending their delivery budget
 * and HTTP answers it with 503 + Retry-After; only the second kind is dead-lettered or 500.
 */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  if (error instanceof RetryLaterError) return true;
  if (error instanceof AppError) return error.status === 503;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; retriable?: unknown };
  const code =
    typeof e.code === 'string' ? e.code : typeof e.code === 'number' ? String(e.code) : '';
  if (/^08[0-9A-Z]{3}$/.test(code) || TRANSIENT_SQLSTATES.has(code)) return true;
  if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_NATS_CODES.has(code)) return true;
  // kafkajs marks what its own retries may recover from.
  if (e.retriable === true) return true;
  const name = typeof e.name === 'string' ? e.name : '';
  if (
    /^(TimeoutError|ConnectionError|ClosedConnectionError|NoRespondersError|RequestError|MaxRetriesPerRequestError|KafkaJSConnectionError|KafkaJSRequestTimeoutError|KafkaJSNumberOfRetriesExceeded)$/.test(
      name,
    )
  )
    return true;
  const message = typeof e.message === 'string' ? e.message : '';
  // A SQLSTATE means PostgreSQL judged the statement: its text is not a connection problem.
  if (!/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)))
    return true;
  if (error instanceof AggregateError)
    return error.errors.some((inner) => isTransientError(inner, depth + 1));
  return isTransientError((error as { cause?: unknown }).cause, depth + 1);
}

/** Seconds a client is told to wait before retrying a request refused during an outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;
