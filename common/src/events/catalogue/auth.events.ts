import { z } from 'zod';
import { roleSchema } from '../../auth/current-user';
import { defineEvent } from '../define-event';

export const userCreated = defineEvent(
  'auth.user.created',
  z.object({
    id: z.string().uuid(),
    email: z.string().email(),
    displayName: z.string(),
    country: z.string().length(2),
    role: roleSchema,
    version: z.number().int().nonnegative(),
  }),
);

export const userRoleChanged = defineEvent(
  'auth.user.role-changed',
  z.object({
    id: z.string().uuid(),
    role: roleSchema,
    version: z.number().int().positive(),
  }),
);
