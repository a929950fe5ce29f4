import { Router, type Response } from 'express';
import { handle, requireAuth, type CurrentUser, type ServiceRuntime } from '@ticketaka/common';
import type { NotificationsConfig } from '../../config';
import { findNotification } from '../../data-access/notification.repository';
import {
  bellOf,
  follow,
  followsOf,
  markNotificationsRead,
  notificationView,
  preferencesOf,
  unfollow,
  updatePreferences,
} from '../../domain/fan-settings.use-case';
import {
  followSchema,
  markReadSchema,
  updatePreferencesSchema,
} from '../../domain/preferences.schemas';
import type { BellFeed } from './bell-feed';

const MAX_BUFFERED_BYTES = 256 * 1024;

/** The bell (list, live stream, read marks), e-mail preferences and follows of the signed-in fan. */
export function notificationsRouter(runtime: ServiceRuntime<NotificationsConfig>, feed: BellFeed) {
  const router = Router();
  const db = runtime.pool;
  // requireAuth has run, so the user is there.
  const me = (user: CurrentUser | null) => user as CurrentUser;
  const open = new Set<Response>();

  router.get(
    '/api/notifications',
    requireAuth,
    handle({}, ({ user }) => bellOf(db, me(user))),
  );
  router.post(
    '/api/notifications/read',
    requireAuth,
    handle({ body: markReadSchema }, ({ body, user }) => markNotificationsRead(db, me(user), body)),
  );
  router.get(
    '/api/notifications/preferences',
    requireAuth,
    handle({}, ({ user }) => preferencesOf(db, me(user))),
  );
  router.put(
    '/api/notifications/preferences',
    requireAuth,
    handle({ body: updatePreferencesSchema }, ({ body, user }) =>
      updatePreferences(db, me(user), body.email),
    ),
  );
  router.get(
    '/api/notifications/follows',
    requireAuth,
    handle({}, ({ user }) => followsOf(db, me(user))),
  );
  router.post(
    '/api/notifications/follows',
    requireAuth,
    handle({ body: followSchema }, ({ body, user }) => follow(db, me(user), body), 201),
  );
  router.delete(
    '/api/notifications/follows',
    requireAuth,
    handle({ body: followSchema }, ({ body, user }) => unfollow(db, me(user), body)),
  );

  /** Server-Sent Events: the bell's current state, then each new notification as it commits. */
  router.get(
    '/api/notifications/stream',
    requireAuth,
    handle({}, async ({ user, res }) => {
      const fan = me(user);
      const early: string[] = [];
      let push: (id: string) => void = (id) => early.push(id);
      const unlisten = feed.listen(fan.id, (id) => push(id));
      let snapshot;
      try {
        snapshot = await bellOf(db, fan);
      } catch (error) {
        unlisten();
        throw error;
      }
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      open.add(res);
      const write = (chunk: string) => {
        res.write(chunk);
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      };
      write('retry: 3000\n\n');
      write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      push = (id) => {
        void findNotification(db, id)
          .then(
            (n) =>
              n && write(`event: notification\ndata: ${JSON.stringify(notificationView(n))}\n\n`),
          )
          .catch((err) => runtime.logger.warn({ err }, 'bell push failed'));
      };
      for (const id of early) push(id);
      const heartbeat = setInterval(
        () => write(': heartbeat\n\n'),
        runtime.config.SSE_HEARTBEAT_MS,
      );
      res.on('close', () => {
        clearInterval(heartbeat);
        unlisten();
        open.delete(res);
      });
    }),
  );

  return {
    router,
    endAll: () => {
      for (const res of open) res.end();
    },
  };
}
