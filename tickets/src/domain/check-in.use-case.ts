import {
  AppError,
  BadRequestError,
  NotFoundError,
  UnprocessableError,
  type CurrentUser,
  type Pool,
} from '@ticketaka/common';
import { findTicket, type TicketRecord } from '../data-access/ticket.repository';
import type { TicketCodeKeys } from '../ticket-code-keys';
import type { Admissions } from './admission-batches';
import type { CheckInInput } from './check-in.schemas';
import { verifyCode, type CodeRefusal } from './ticket-code';
import { gateRefusal } from './ticket-status';

export interface CheckInDeps {
  pool: Pool;
  schema: string;
  keys: TicketCodeKeys;
  stepSeconds: number;
  /** Where admissions are written, grouped when scans arrive together. */
  admissions: Admissions;
  now?: () => number;
}

/** An offline gate syncs within a match day; older scans are not believable. */
const MAX_SYNC_AGE_MS = 12 * 3600_000;
const MAX_CLOCK_AHEAD_MS = 5_000;

const codeRefusals: Record<CodeRefusal, string> = {
  code_malformed: 'This is not a Ticketaka ticket code',
  code_unknown_key: 'This code was signed by a key the gates do not accept (forged or retired)',
  code_tampered: 'The code’s signature does not match its content (forged or altered)',
  code_expired: 'This code has expired: ask the fan to open the ticket in the app (no screenshots)',
};

/** A refusal about the ticket itself; `admission` says when and where it already went in. */
export class CheckInRefused extends AppError {
  constructor(
    code: string,
    message: string,
    readonly admission?: { at: string; gate: string | null },
  ) {
    super(409, code, message);
    this.name = 'CheckInRefused';
  }

  override toBody() {
    return { ...super.toBody(), ...(this.admission ? { admission: this.admission } : {}) };
  }
}

const clock = (d: Date) => d.toISOString().slice(11, 16);
/** "gate 4" for a numbered gate, the name itself for "North A". */
const gateName = (gate: string | null) =>
  !gate ? 'an unknown gate' : /^\d+$/.test(gate) ? `gate ${gate}` : gate;

/**
 * Admits a ticket at a gate, exactly once. The signature, key and time step are checked in
 * memory; then a conditional UPDATE valid → checked_in, guarded by the holder and version
 * the code was signed for, decides (written together with other gates' scans of the same
 * moment, see createAdmissions): when two gates scan the same code at the same moment, the
 * second is written after the first and finds the ticket no longer valid.
 */
export async function checkIn(deps: CheckInDeps, steward: CurrentUser, input: CheckInInput) {
  const nowMs = (deps.now ?? Date.now)();
  const scannedAtMs = input.scannedAt ? Date.parse(input.scannedAt) : nowMs;
  if (scannedAtMs > nowMs + MAX_CLOCK_AHEAD_MS || nowMs - scannedAtMs > MAX_SYNC_AGE_MS) {
    throw new BadRequestError(
      'scannedAt must be within the last 12 hours',
      [{ message: 'must be within the last 12 hours', field: 'scannedAt' }],
      'scanned_at_out_of_range',
    );
  }
  const check = verifyCode(input.code, deps.keys.verification, {
    atMs: scannedAtMs,
    stepSeconds: deps.stepSeconds,
  });
  if (!check.ok) throw new UnprocessableError(codeRefusals[check.reason], check.reason);
  const { claims } = check;
  if (claims.matchNumber !== input.matchNumber) {
    throw new CheckInRefused(
      'wrong_match',
      `This ticket is for match ${claims.matchNumber}, not match ${input.matchNumber}`,
    );
  }

  const admitted = await deps.admissions.submit({
    ticketId: claims.ticketId,
    ownerId: claims.holderId,
    ownedSinceAtMost: claims.version,
    matchNumber: claims.matchNumber,
    category: claims.category,
    gate: input.gate,
    stewardId: steward.id,
    at: input.scannedAt ? new Date(scannedAtMs) : undefined,
  });
  if (admitted) return admission(admitted);
  throw refusalFor(await findTicket(deps.pool, claims.ticketId), claims);
}

function admission(ticket: TicketRecord) {
  return {
    admitted: true as const,
    ticket: { id: ticket.id, matchNumber: ticket.matchNumber, category: ticket.category },
    admittedAt: (ticket.checkedInAt as Date).toISOString(),
    gate: ticket.checkedInGate,
  };
}

/** Why the conditional update found nothing to admit. */
function refusalFor(
  ticket: TicketRecord | undefined,
  claims: { holderId: string; version: number; matchNumber: number; category: number },
): AppError {
  if (!ticket) return new NotFoundError('No such ticket exists', 'ticket_not_found');
  // Only a signing key in the wrong hands signs another seat's details for a real ticket id.
  if (ticket.matchNumber !== claims.matchNumber || ticket.category !== claims.category) {
    return new CheckInRefused('code_mismatch', 'This code does not describe this ticket');
  }
  if (ticket.ownerId !== claims.holderId || ticket.ownerSinceVersion > claims.version) {
    return new CheckInRefused(
      'code_superseded',
      'This code belonged to an earlier holder: the ticket was resold or transferred',
    );
  }
  switch (gateRefusal(ticket.status)) {
    case 'already_admitted': {
      const at = ticket.checkedInAt as Date;
      return new CheckInRefused(
        'already_admitted',
        `Already admitted at ${clock(at)} UTC by ${gateName(ticket.checkedInGate)}`,
        { at: at.toISOString(), gate: ticket.checkedInGate },
      );
    }
    case 'ticket_void':
      return new CheckInRefused('ticket_void', 'This ticket is void (refunded or match cancelled)');
    case 'ticket_in_resale':
      return new CheckInRefused(
        'ticket_in_resale',
        'This ticket is listed for resale and cannot be used until the listing is withdrawn',
      );
    default:
      // Valid and the holder's own: another move won the race; a rescan decides.
      return new CheckInRefused('try_again', 'The ticket changed while scanning; scan it again');
  }
}
