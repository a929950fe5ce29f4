import { z } from 'zod';

const dateOrDateTime = z
  .string()
  .trim()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T.*)?$/,
    'Use an ISO date (2022-11-20) or date-time (2022-11-20T16:00:00Z)',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'Not a valid date');

/** A date alone means the whole day (UTC): `to=2022-11-21` includes that day's matches. */
const dayStart = (s: string) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s);
const dayEnd = (s: string) => new Date(s.length === 10 ? `${s}T23:59:59.999Z` : s);

/** Query of GET /api/matches; unknown parameters are refused rather than silently ignored. */
export const listMatchesQuerySchema = z
  .strictObject({
    team: z.string().trim().min(1).max(100).optional(),
    group: z
      .string()
      .trim()
      .regex(/^[A-Ha-h]$/, 'Group is a letter from A to H')
      .transform((g) => g.toUpperCase())
      .optional(),
    round: z
      .string()
      .regex(/^[1-7]$/, 'Round is a number from 1 to 7')
      .transform(Number)
      .optional(),
    venue: z.string().trim().min(1).max(200).optional(),
    from: dateOrDateTime.transform(dayStart).optional(),
    to: dateOrDateTime.transform(dayEnd).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: '`from` must not be after `to`',
    path: ['from'],
  });
export type ListMatchesQuery = z.infer<typeof listMatchesQuerySchema>;

export const matchNumberParam = z
  .string()
  .regex(/^\d{1,3}$/, 'The match number is a number from 1 to 999')
  .transform(Number)
  .refine((n) => n >= 1, 'The match number is a number from 1 to 999');

export const matchParamsSchema = z.object({ matchNumber: matchNumberParam });
