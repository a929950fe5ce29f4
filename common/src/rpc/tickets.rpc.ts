import { z } from 'zod';
import {
  amountCents,
  category,
  currency,
  matchNumber,
  uuid,
} from '../events/catalogue/shared-schemas';

/**
 * Orders asks tickets for a hold and needs the answer at once (NATS request/reply).
 * The hold is keyed by the order id: asking again for the same order returns the same
 * hold. Prices come from tickets, never from the client.
 */
export const HOLD_SUBJECT = 'rpc.tickets.hold';

export const holdRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('primary'),
    orderId: uuid,
    userId: uuid,
    matchNumber,
    category,
    quantity: z.number().int().min(1).max(10),
  }),
  z.object({ kind: z.literal('resale'), orderId: uuid, userId: uuid, ticketId: uuid }),
]);
export type HoldRequest = z.infer<typeof holdRequestSchema>;

export const holdResponseSchema = z.discriminatedUnion('held', [
  z.object({
    held: z.literal(true),
    orderId: uuid,
    matchNumber,
    category,
    quantity: z.number().int().positive(),
    unitPriceCents: amountCents,
    amountCents,
    currency,
    /** For a resale hold: the ticket and its listing. */
    ticketId: uuid.nullable(),
    listingId: uuid.nullable(),
  }),
  z.object({
    held: z.literal(false),
    reason: z.enum(['not_enough_tickets', 'listing_unavailable']),
    /** What is left to hold in that category right now. */
    available: z.number().int().nonnegative(),
  }),
]);
export type HoldResponse = z.infer<typeof holdResponseSchema>;

/**
 * The kafka-bridge hands partners' sales to tickets, the one owner of inventory, and needs
 * to know at once whether each was applied, was a duplicate, or must be dead-lettered.
 * `messageKey` identifies the partner message (e.g. topic:partition:offset or a hash of
 * it): applying the same key twice changes the counts once.
 */
export const PARTNER_SALE_SUBJECT = 'rpc.tickets.partner-sale';

export const partnerSaleActionSchema = z.enum([
  'TICKET_PENDING',
  'TICKET_RESERVED',
  'TICKET_CANCELLED',
]);
export type PartnerSaleAction = z.infer<typeof partnerSaleActionSchema>;

export const partnerSaleRequestSchema = z.object({
  messageKey: z.string().min(1).max(300),
  action: partnerSaleActionSchema,
  matchNumber,
  category,
  quantity: z.number().int().min(1).max(10_000),
});
export type PartnerSaleRequest = z.infer<typeof partnerSaleRequestSchema>;

export const partnerSaleResponseSchema = z.object({
  /** false when this message key had already been applied (nothing changed this time). */
  applied: z.boolean(),
  matchNumber,
  category,
  available: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
});
export type PartnerSaleResponse = z.infer<typeof partnerSaleResponseSchema>;

/**
 * Error codes of a refused partner sale (status 409 at the requester). The counts are
 * untouched and the key is not recorded, so the same message may be retried later (a
 * RESERVED that overtook its PENDING) or dead-lettered.
 */
export const PARTNER_SALE_REFUSALS = {
  /** TICKET_PENDING for more tickets than are left to hold. */
  notEnoughTickets: 'partner_sale_not_enough_tickets',
  /** TICKET_RESERVED / TICKET_CANCELLED for more tickets than partners hold. */
  exceedsPartnerHolds: 'partner_sale_exceeds_partner_holds',
} as const;

/**
 * One match of the organiser's master list, as partners publish it. Tolerant on purpose:
 * both availability shapes (`{ available, pending, price }` and the older
 * `{ count, price }`), `group: null` for knockout matches, and placeholders such as
 * "TBA" or "1A" for teams and venues not known yet. Unknown keys are ignored.
 */
const wholeUnits = z.number().nonnegative().max(1_000_000);
const seats = z.number().int().nonnegative().max(1_000_000);
const categoryAvailabilitySchema = z
  .union([
    z.object({ available: seats, pending: seats.optional(), price: wholeUnits }),
    z.object({ count: seats, price: wholeUnits }),
  ])
  .transform((c) => ({
    capacity: 'available' in c ? c.available : c.count,
    // Master-list prices are whole currency units; money is handled in cents everywhere else.
    priceCents: Math.round(c.price * 100),
  }));

export const masterListMatchSchema = z.object({
  matchNumber,
  roundNumber: z.number().int().min(1).max(20),
  dateUtc: z.string().datetime({ offset: true }),
  location: z.string().trim().min(1).max(200),
  homeTeam: z.string().trim().min(1).max(100),
  awayTeam: z.string().trim().min(1).max(100),
  group: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .nullable()
    .optional()
    .transform((g) => g ?? null),
  availability: z
    .object({
      category1: categoryAvailabilitySchema.optional(),
      category2: categoryAvailabilitySchema.optional(),
      category3: categoryAvailabilitySchema.optional(),
    })
    .refine(
      (a) => a.category1 || a.category2 || a.category3,
      'at least one of category1..category3 is required',
    ),
});
export type MasterListMatch = z.infer<typeof masterListMatchSchema>;
export type MasterListMatchInput = z.input<typeof masterListMatchSchema>;

/** Loads master-list matches into tickets; loading the same list twice changes nothing. */
export const LOAD_MASTER_LIST_SUBJECT = 'rpc.tickets.load-master-list';
export const loadMasterListRequestSchema = z.object({
  matches: z.array(masterListMatchSchema).min(1).max(1000),
});
export const loadMasterListResponseSchema = z.object({
  matchesCreated: z.number().int().nonnegative(),
  matchesUpdated: z.number().int().nonnegative(),
  categoriesCreated: z.number().int().nonnegative(),
});
export type LoadMasterListResult = z.infer<typeof loadMasterListResponseSchema>;

/**
 * Partner sync (docs/partner-sync.md): our TICKET_PENDING for a hold comes back from the
 * ticket-sales partition, where the partner ledger decides it. The kafka-bridge tells tickets
 * the outcome: `granted` (the hold is safe, it may become payable) or `void` (another
 * platform took the last tickets first: release the hold, the order is cancelled).
 * Idempotent per order id; the answer is the hold's status after the call.
 */
export const CONFIRM_HOLD_SUBJECT = 'rpc.tickets.confirm-hold';
export const confirmHoldRequestSchema = z.object({
  orderId: uuid,
  outcome: z.enum(['granted', 'void']),
  /** Where the partner log decided it (topic:partition:offset), for the audit trail. */
  decidedAt: z.string().min(1).max(300),
  reason: z.string().max(500).optional(),
});
export type ConfirmHoldRequest = z.infer<typeof confirmHoldRequestSchema>;
export const confirmHoldResponseSchema = z.object({
  orderId: uuid,
  /** `released` / `sold` when the order ended before the decision arrived. */
  status: z.enum(['held', 'confirmed', 'released', 'sold']),
  /** false when this outcome had already been applied (or the hold had ended). */
  changed: z.boolean(),
});
export type ConfirmHoldResponse = z.infer<typeof confirmHoldResponseSchema>;

/**
 * Notifications asks tickets for the printable tickets of a completed order, to attach
 * them to the confirmation mail. An empty list means tickets has not issued them yet.
 */
export const E_TICKETS_SUBJECT = 'rpc.tickets.e-tickets';
export const eTicketsRequestSchema = z.object({
  orderId: uuid,
  /** A resale order's ticket (tickets records the primary order on each ticket). */
  ticketId: uuid.nullable().default(null),
  ownerId: uuid,
  /** Printed on the ticket; tickets knows fans only by id. */
  holderName: z.string().min(1).max(100),
});
export type ETicketsRequest = z.infer<typeof eTicketsRequestSchema>;
export const eTicketsResponseSchema = z.object({
  tickets: z.array(z.object({ ticketId: uuid, matchNumber, category, pdfBase64: z.string() })),
});
export type ETicketsResponse = z.infer<typeof eTicketsResponseSchema>;

/** Notifications keeps the fixture list (teams, kick-off) to match follows and remind fans. */
export const MATCH_SCHEDULE_SUBJECT = 'rpc.tickets.match-schedule';
export const matchScheduleRequestSchema = z.object({});
export const matchScheduleResponseSchema = z.object({
  matches: z.array(
    z.object({
      matchNumber,
      kickOff: z.string().datetime({ offset: true }),
      venue: z.string(),
      homeTeam: z.string(),
      awayTeam: z.string(),
    }),
  ),
});
export type MatchScheduleResponse = z.infer<typeof matchScheduleResponseSchema>;
