import {
  AppError,
  BadRequestError,
  isTransientError,
  RetryLaterError,
  ServiceUnavailableError,
} from '../src';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });

describe('telling an outage from a bad message', () => {
  test.each([
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    [
      'a pool that could not hand out a connection',
      new Error('timeout exceeded when trying to connect'),
    ],
    [
      'PostgreSQL shutting down (57P01)',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    ['PostgreSQL starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (class 08)', pgError('08006')],
    [
      'a statement timeout (57014)',
      pgError('57014', 'canceling statement due to statement timeout'),
    ],
    ['a serialization failure (40001)', pgError('40001')],
    ['a NATS request timeout', Object.assign(new Error('TIMEOUT'), { name: 'TimeoutError' })],
    ['an event that must wait for an earlier version', new RetryLaterError('v2 before v1')],
    ['a dependency answered 503', new ServiceUnavailableError('tickets did not answer')],
    ['a kafkajs retriable error', Object.assign(new Error('broker down'), { retriable: true })],
    ['a wrapped outage', new Error('could not apply', { cause: pgError('ECONNRESET') })],
  ])('when the failure is %s, then it is transient', (_name, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  test.each([
    [
      'a unique violation (23505)',
      pgError('23505', 'duplicate key value violates unique constraint'),
    ],
    [
      'a check violation whose text mentions a timeout',
      pgError('23514', 'check "timeout_positive" failed'),
    ],
    ['invalid text for a uuid (22P02)', pgError('22P02')],
    ['a refusal by the domain', new BadRequestError('quantity must be positive')],
    ['a conflict answered by a dependency', new AppError(409, 'sold_out', 'sold out')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'boom'],
  ])('when the failure is %s, then it is not transient', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});
