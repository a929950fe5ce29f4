import { inTransaction, type CurrentUser, type Pool } from '@ticketaka/common';
import {
  addFollow,
  findFollows,
  removeFollow,
  type FollowTarget,
} from '../data-access/follow.repository';
import {
  findNotifications,
  markRead,
  type NotificationRecord,
} from '../data-access/notification.repository';
import { findPreferences, savePreferences } from '../data-access/recipient.repository';
import type {
  BellView,
  FollowInput,
  NotificationView,
  PreferencesView,
} from '@ticketaka/contracts';
import { kindLabels, notificationKinds, type NotificationKind } from './notification-kinds';

export async function preferencesOf(db: Pool, user: CurrentUser): Promise<PreferencesView> {
  const saved = await findPreferences(db, user.id);
  return {
    preferences: notificationKinds.map((kind) => ({
      kind,
      label: kindLabels[kind],
      email: saved.get(kind) ?? true,
    })),
  };
}

export async function updatePreferences(
  db: Pool,
  user: CurrentUser,
  email: Partial<Record<NotificationKind, boolean>>,
) {
  await inTransaction(db, (tx) =>
    savePreferences(tx, user.id, Object.entries(email) as [NotificationKind, boolean][]),
  );
  return preferencesOf(db, user);
}

const targetOf = (input: FollowInput): FollowTarget =>
  'matchNumber' in input
    ? { kind: 'match', matchNumber: input.matchNumber }
    : { kind: 'team', team: input.team };

export const followsOf = async (db: Pool, user: CurrentUser) => ({
  follows: await findFollows(db, user.id),
});

export async function follow(db: Pool, user: CurrentUser, input: FollowInput) {
  await addFollow(db, user.id, targetOf(input));
  return followsOf(db, user);
}

export async function unfollow(db: Pool, user: CurrentUser, input: FollowInput) {
  await removeFollow(db, user.id, targetOf(input));
  return followsOf(db, user);
}

export const notificationView = (n: NotificationRecord): NotificationView => ({
  id: n.id,
  kind: n.kind as NotificationKind,
  title: n.title,
  body: n.body,
  link: n.link,
  createdAt: n.createdAt.toISOString(),
  read: n.readAt !== null,
});

export async function bellOf(db: Pool, user: CurrentUser): Promise<BellView> {
  const { notifications, unread } = await findNotifications(db, user.id, 50);
  return { unread, notifications: notifications.map(notificationView) };
}

export async function markNotificationsRead(
  db: Pool,
  user: CurrentUser,
  which: { ids: string[] } | { all: true },
) {
  const marked = await markRead(db, user.id, 'ids' in which ? which.ids : 'all');
  return { marked, ...(await bellOf(db, user)) };
}
