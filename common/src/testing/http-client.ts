import { randomUUID } from 'node:crypto';
import type { CurrentUser } from '../auth/current-user';
import type { Json } from './json';
import type { TestEnvironment } from './test-environment';

export interface ApiResponse<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over HTTP as a browser or partner would send it; the body is parsed for assertions. */
export async function call<T = Json>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

/** A signed-in user with a token from the test file's own key pair (auth is not involved). */
export function newFan(
  env: TestEnvironment,
  role: CurrentUser['role'] = 'fan',
  country = 'AR',
): { user: CurrentUser; token: string } {
  const id = randomUUID();
  const user: CurrentUser = {
    id,
    email: `fan-${id.slice(0, 8)}@example.com`,
    displayName: 'Fan',
    country,
    role,
  };
  return { user, token: env.tokenFor(user) };
}
export type Fan = ReturnType<typeof newFan>;
