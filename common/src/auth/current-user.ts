import type { CurrentUser } from '@ticketaka/contracts';

// The signed-in user is part of the public contract (the web client reads it too): one schema.
export { currentUserSchema, roleSchema, type CurrentUser, type Role } from '@ticketaka/contracts';

declare module 'express-serve-static-core' {
  interface Request {
    currentUser?: CurrentUser | null;
    /** Why a presented token was refused; null when none was presented or it was valid. */
    authProblem?: string | null;
  }
}
