import {
  inTransaction,
  MATCH_SCHEDULE_SUBJECT,
  matchScheduleResponseSchema,
  ticketsEvents,
  type EventOf,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { NotificationsConfig } from '../config';
import { followersOf } from '../data-access/follow.repository';
import {
  advanceCategoryState,
  knowsMatch,
  matchesKickingOffBetween,
  matchFacts,
  saveSchedule,
} from '../data-access/schedule.repository';
import { templates } from './mail-templates';
import { notify } from './notify';

type Runtime = ServiceRuntime<NotificationsConfig>;
const deps = (runtime: Runtime) => ({
  schema: runtime.schema,
  publicUrl: runtime.config.PUBLIC_URL,
});

/** Asks tickets for the fixture list (teams, kick-off) and keeps our copy. */
export async function refreshSchedule(runtime: Runtime): Promise<number> {
  const { matches } = await runtime.bus.request(
    MATCH_SCHEDULE_SUBJECT,
    {},
    matchScheduleResponseSchema,
    15_000,
  );
  await saveSchedule(runtime.pool, matches);
  return matches.length;
}

const unavailable = new Set(['sold_out', 'temporarily_unavailable']);

/**
 * A category that was sold out or temporarily unavailable has seats again: every follower of
 * the match or of either team is told at once (first come, first served; nothing is
 * reserved). States are applied in inventory version order, so an old or repeated event
 * neither alerts nor hides a later change; an alert is told once per (change, fan).
 */
export async function alertSeatsBack(
  runtime: Runtime,
  event: EventOf<typeof ticketsEvents.inventoryChanged>,
): Promise<number> {
  const c = event.data;
  // Teams decide who follows; learn them before the transaction (no connection held over NATS).
  if (!(await knowsMatch(runtime.pool, c.matchNumber))) await refreshSchedule(runtime);
  return inTransaction(runtime.pool, async (tx) => {
    const before = await advanceCategoryState(tx, c);
    if (!before || !unavailable.has(before) || c.state !== 'available') return 0;
    const match = await matchFacts(tx, c.matchNumber);
    const followers = await followersOf(tx, match);
    for (const userId of followers) {
      await notify(tx, deps(runtime), {
        userId,
        kind: 'seats_back',
        dedupeKey: `seats_back:${c.matchNumber}:${c.category}:${c.version}:${userId}`,
        rendered: templates.seats_back({ match, category: c.category }),
      });
    }
    return followers.length;
  });
}

/** Followers of a match (or its teams) hear once when it is within the notice period of kick-off. */
export async function remindKickOffs(runtime: Runtime, now = new Date()): Promise<number> {
  const horizon = new Date(now.getTime() + runtime.config.KICKOFF_NOTICE_HOURS * 3600_000);
  const matches = await matchesKickingOffBetween(runtime.pool, now, horizon);
  let told = 0;
  for (const match of matches) {
    await inTransaction(runtime.pool, async (tx) => {
      for (const userId of await followersOf(tx, match)) {
        const outcome = await notify(tx, deps(runtime), {
          userId,
          kind: 'kickoff_soon',
          dedupeKey: `kickoff_soon:${match.matchNumber}:${match.kickOff}:${userId}`,
          rendered: templates.kickoff_soon({ match }),
        }).catch((error: Error) =>
          error.name === 'RetryLaterError' ? 'unknown_fan' : Promise.reject(error),
        );
        if (outcome === 'notified') told++;
      }
    });
  }
  return told;
}
