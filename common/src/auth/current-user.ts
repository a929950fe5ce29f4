import { z } from 'zod';

export const roleSchema = z.enum(['fan', 'admin', 'steward']);
export type Role = z.infer<typeof roleSchema>;

/** What every service knows about the signed-in user, taken from auth's token. */
export const currentUserSchema = z.object({
  id: z.string().uuid(),
  email: z.string().email(),
  displayName: z.string(),
  country: z.string().length(2),
  role: roleSchema,
});
export type CurrentUser = z.infer<typeof currentUserSchema>;

declare module 'express-serve-static-core' {
  interface Request {
    currentUser?: CurrentUser | null;
    /** Why a presented token was refused; null when none was presented or it was valid. */
    authProblem?: string | null;
  }
}
