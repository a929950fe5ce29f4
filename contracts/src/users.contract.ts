import { z } from 'zod';
import { isCountryCode } from './countries';

export const roleSchema = z.enum(['fan', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'Email must be at most 254 characters')
  .email('Email must be a valid email address')
  .transform((e) => e.toLowerCase());

/** POST /api/users/signup */
export const signUpSchema = z.strictObject({
  email: emailSchema,
  password: z
    .string()
    .min(10, 'Password must be at least 10 characters')
    .max(128, 'Password must be at most 128 characters'),
  displayName: z
    .string()
    .trim()
    .min(1, 'Display name is required')
    .max(60, 'Display name must be at most 60 characters')
    // Control characters and angle brackets have no place in a name shown to other fans.
    .refine(
      // eslint-disable-next-line no-control-regex
      (s) => !/[\u0000-\u001f<>]/.test(s),
      'Display name contains characters that are not allowed',
    ),
  country: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine(isCountryCode, 'Country must be an ISO 3166-1 alpha-2 code such as AR or FR'),
});
export type SignUpInput = z.infer<typeof signUpSchema>;

/** POST /api/users/signin */
export const signInSchema = z.strictObject({
  email: emailSchema,
  password: z
    .string()
    .min(1, 'Password is required')
    .max(128, 'Password must be at most 128 characters'),
});
export type SignInInput = z.infer<typeof signInSchema>;

/** The signed-in user as every service sees it (the token's claims). */
export const currentUserSchema = z.object({
  id: z.string().uuid(),
  email: z.string().email(),
  displayName: z.string(),
  country: z.string().length(2),
  role: roleSchema,
});
export type CurrentUser = z.infer<typeof currentUserSchema>;

/** GET /api/users/currentuser */
export const currentUserResponseSchema = z.object({ currentUser: currentUserSchema.nullable() });
export type CurrentUserResponse = z.infer<typeof currentUserResponseSchema>;

/** Answer of sign-up and sign-in (the session itself travels in HttpOnly cookies). */
export const sessionResponseSchema = z.object({ user: currentUserSchema });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
