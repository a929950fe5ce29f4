import { masterListMatchSchema, type MasterListMatch } from '@ticketaka/common';
import { z } from 'zod';

/**
 * The partner network's ticket-sales messages (../shared/fifa/WIRE-FORMAT.md).
 * Strict where partners' own validators are strict (`meta`, each ticket line: unknown keys
 * are refused), tolerant where shapes vary in the wild (`tickets` object or array,
 * optional numeric `body.id`, a `clientId` in `meta` or `body`, extra keys in `body`).
 */
export const SALE_ACTIONS = ['TICKET_PENDING', 'TICKET_RESERVED', 'TICKET_CANCELLED'] as const;
export type SaleAction = (typeof SALE_ACTIONS)[number];

const clientIdField = z.string().trim().min(1).max(100);

const ticketLineSchema = z.strictObject({
  category: z.number().int().min(1).max(3),
  quantity: z.number().int().positive().max(100_000),
  /** Whole currency units, as in the master list. */
  price: z.number().nonnegative().max(1_000_000),
});

const saleMessageSchema = z.looseObject({
  meta: z.strictObject({ action: z.enum(SALE_ACTIONS), clientId: clientIdField.optional() }),
  body: z.looseObject({
    matchNumber: z.number().int().min(1).max(999),
    tickets: z.union([ticketLineSchema, z.array(ticketLineSchema).min(1).max(10)]),
    id: z.number().optional(),
    clientId: clientIdField.optional(),
  }),
});

export interface SaleLine {
  category: number;
  quantity: number;
}

export interface TicketSale {
  action: SaleAction;
  matchNumber: number;
  /** One line per category (array lines of the same category are summed), in category order. */
  lines: SaleLine[];
  bodyId: number | undefined;
  /** Who produced it: the `clientId` header, else `meta.clientId`, else `body.clientId`. */
  producer: string | undefined;
  /** Set on messages that Ticketaka instances produce (headers; partners never see them). */
  eventId: string | undefined;
  holdId: string | undefined;
}

/** Bounded reason codes: they label the dead-letter counter. */
export type RefusalCode =
  | 'empty_message'
  | 'malformed_json'
  | 'unknown_action'
  | 'invalid_message'
  | 'unknown_match'
  | 'off_partition'
  | 'exceeds_holds'
  | 'tickets_refused'
  | 'too_large'
  | 'invalid_encoding'
  | 'unstorable'
  | 'not_organiser'
  | 'unsafe_text';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: RefusalCode; reason: string };

export type Headers = Record<string, string>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidHeader = (value: string | undefined) =>
  value && uuidPattern.test(value) ? value.toLowerCase() : undefined;

function parseJson(value: string | null): Parsed<unknown> {
  if (value === null || value.trim() === '')
    return { ok: false, code: 'empty_message', reason: 'the message has no value' };
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch (error) {
    return { ok: false, code: 'malformed_json', reason: `not JSON: ${(error as Error).message}` };
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
    .join('; ');
}

export function parseTicketSale(value: string | null, headers: Headers): Parsed<TicketSale> {
  const json = parseJson(value);
  if (!json.ok) return json;
  const result = saleMessageSchema.safeParse(json.value);
  if (!result.success) {
    const action = (json.value as { meta?: { action?: unknown } } | null)?.meta?.action;
    const unknownAction = action !== undefined && !SALE_ACTIONS.includes(action as SaleAction);
    return unknownAction
      ? {
          ok: false,
          code: 'unknown_action',
          reason: `unknown meta.action ${JSON.stringify(action)}`,
        }
      : { ok: false, code: 'invalid_message', reason: describeIssues(result.error) };
  }
  const { meta, body } = result.data;
  const given = Array.isArray(body.tickets) ? body.tickets : [body.tickets];
  const byCategory = new Map<number, number>();
  for (const line of given)
    byCategory.set(line.category, (byCategory.get(line.category) ?? 0) + line.quantity);
  return {
    ok: true,
    value: {
      action: meta.action,
      matchNumber: body.matchNumber,
      lines: [...byCategory.entries()]
        .sort(([a], [b]) => a - b)
        .map(([category, quantity]) => ({ category, quantity })),
      bodyId: body.id,
      producer: headers.clientId?.trim() || meta.clientId || body.clientId,
      eventId: uuidHeader(headers.eventId),
      holdId: uuidHeader(headers.holdId),
    },
  };
}

export function parseMasterListMatch(
  value: string | null,
): Parsed<{ match: MasterListMatch; raw: unknown }> {
  const json = parseJson(value);
  if (!json.ok) return json;
  const result = masterListMatchSchema.safeParse(json.value);
  if (!result.success)
    return { ok: false, code: 'invalid_message', reason: describeIssues(result.error) };
  return { ok: true, value: { match: result.data, raw: json.value } };
}

/** What we send: always the object shape, and nothing partners' validators would refuse. */
export function saleMessage(
  action: SaleAction,
  matchNumber: number,
  line: SaleLine & { price: number },
) {
  return {
    meta: { action },
    body: {
      matchNumber,
      tickets: { category: line.category, quantity: line.quantity, price: line.price },
    },
  };
}

/** One partition orders each category: every platform keys its messages this way. */
export const categoryKey = (matchNumber: number, category: number) => `${matchNumber}-${category}`;
