'use client';
import {
  bellResponseSchema,
  markReadResponseSchema,
  notificationViewSchema,
  type BellView,
  type NotificationView,
} from '@ticketaka/contracts';
import '../lib/zod-in-browser';
import Link from 'next/link';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { callApi } from '../lib/api-client';

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const when = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));

/** A 401 closes the stream for good; after a refreshed session it is opened again, a few times. */
const MAX_REOPENS = 3;

/**
 * The header's bell: unread count, the latest notifications and read marks, fed live by
 * `GET /api/notifications/stream` (a snapshot, then each new one as it commits). Without
 * JavaScript the header's Account link leads to the same notifications. A new
 * notification is announced through a polite live region that exists from the first render
 * (screen readers ignore regions that appear together with their text).
 */
export function NotificationBell() {
  const [bell, setBell] = useState<BellView | null>(null);
  const [open, setOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const headingId = useId();

  useEffect(() => {
    let source: EventSource | undefined;
    let reopens = 0;
    let stopped = false;
    const connect = () => {
      source = new EventSource('/api/notifications/stream');
      source.addEventListener('snapshot', (e) => {
        const parsed = bellResponseSchema.safeParse(safeJson((e as MessageEvent).data));
        if (parsed.success) setBell(parsed.data);
        reopens = 0;
      });
      source.addEventListener('notification', (e) => {
        const parsed = notificationViewSchema.safeParse(safeJson((e as MessageEvent).data));
        if (!parsed.success) return;
        const fresh = parsed.data;
        setBell((current) => {
          if (!current) return { unread: fresh.read ? 0 : 1, notifications: [fresh] };
          if (current.notifications.some((n) => n.id === fresh.id)) return current;
          return {
            unread: current.unread + (fresh.read ? 0 : 1),
            notifications: [fresh, ...current.notifications].slice(0, 50),
          };
        });
        setAnnouncement(`New notification: ${fresh.title}`);
      });
      source.addEventListener('error', () => {
        // EventSource retries by itself unless the server refused it (e.g. an expired session).
        if (source?.readyState !== EventSource.CLOSED || stopped || reopens >= MAX_REOPENS) return;
        reopens += 1;
        void fetch('/api/users/refresh', { method: 'POST', credentials: 'same-origin' })
          .catch(() => undefined)
          .then(() => {
            if (!stopped) setTimeout(connect, 1000 * reopens);
          });
      });
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
    };
  }, []);

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(true);
    };
    const onClick = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open, close]);

  const markRead = async (which: { ids: string[] } | { all: true }) => {
    const result = await callApi('/api/notifications/read', {
      method: 'POST',
      body: which,
      schema: markReadResponseSchema,
    });
    if (result.ok) {
      setBell({ unread: result.data.unread, notifications: result.data.notifications });
      setProblem(null);
    } else setProblem(result.problem.message);
  };

  const unread = bell?.unread ?? 0;
  const label = bell
    ? `Notifications, ${unread === 0 ? 'none unread' : `${unread} unread`}`
    : 'Notifications';

  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={label}
        onClick={() => setOpen((o) => !o)}
      >
        {/* Drawn, not an emoji: not every device has an emoji font. */}
        <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true" data-testid="bell-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div
        ref={panel}
        id={panelId}
        className="bell-panel"
        role="region"
        aria-labelledby={headingId}
        hidden={!open}
      >
        <div className="bell-panel-head">
          <h2 id={headingId}>Notifications</h2>
          {unread > 0 && (
            <button
              type="button"
              className="small secondary"
              onClick={() => markRead({ all: true })}
            >
              Mark all as read
            </button>
          )}
        </div>
        {problem && <p role="alert">{problem}</p>}
        {!bell ? (
          <p className="muted">Loading…</p>
        ) : bell.notifications.length === 0 ? (
          <p className="muted">Nothing yet. Follow a match to hear when seats come back.</p>
        ) : (
          <ul className="bell-list">
            {bell.notifications.map((n) => (
              <BellItem key={n.id} notification={n} onRead={(id) => markRead({ ids: [id] })} />
            ))}
          </ul>
        )}
        <p className="bell-foot">
          <Link href="/account" onClick={() => close(false)}>
            E-mail settings and follows
          </Link>
        </p>
      </div>
    </div>
  );
}

function BellItem({
  notification: n,
  onRead,
}: {
  notification: NotificationView;
  onRead: (id: string) => void;
}) {
  return (
    <li className={n.read ? 'read' : 'unread'}>
      <p className="bell-title">
        {!n.read && <span className="visually-hidden">Unread: </span>}
        {n.link ? (
          <Link href={n.link} onClick={() => !n.read && onRead(n.id)}>
            {n.title}
          </Link>
        ) : (
          <strong>{n.title}</strong>
        )}
      </p>
      <p className="bell-body">{n.body}</p>
      <p className="bell-meta">
        <time dateTime={n.createdAt}>{when(n.createdAt)}</time>
        {!n.read && (
          <button type="button" className="link-button" onClick={() => onRead(n.id)}>
            Mark as read<span className="visually-hidden">: {n.title}</span>
          </button>
        )}
      </p>
    </li>
  );
}
