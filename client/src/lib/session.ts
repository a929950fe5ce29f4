import { cache } from 'react';
import { currentUserResponseSchema, type CurrentUser } from '@ticketaka/contracts';
import { hasSession, serviceGet } from './server-api';

export type Session =
  | { state: 'signed-in'; user: CurrentUser }
  | { state: 'anonymous' }
  /** A session cookie that auth refused (e.g. an expired access token): the browser may refresh it. */
  | { state: 'stale' };

/** The signed-in fan, asked of auth once per render (React's cache shares it between components). */
export const getSession = cache(async (): Promise<Session> => {
  if (!(await hasSession())) return { state: 'anonymous' };
  const result = await serviceGet('auth', '/api/users/currentuser', currentUserResponseSchema, {
    asFan: true,
  });
  if (result.ok)
    return result.data.currentUser
      ? { state: 'signed-in', user: result.data.currentUser }
      : { state: 'anonymous' };
  return result.status === 401 ? { state: 'stale' } : { state: 'anonymous' };
});
