import type { NotificationKind } from './notification-kinds';

export interface Rendered {
  title: string;
  /** One paragraph per entry; the plain-text and HTML parts say the same. */
  paragraphs: string[];
  /** A path on the public origin, e.g. /tickets. */
  link?: string;
  linkLabel?: string;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export interface MatchFacts {
  matchNumber: number;
  homeTeam?: string;
  awayTeam?: string;
  kickOff?: string;
  venue?: string;
}
const matchName = (m: MatchFacts) =>
  m.homeTeam && m.awayTeam
    ? `${m.homeTeam} v ${m.awayTeam} (match ${m.matchNumber})`
    : `match ${m.matchNumber}`;

/** The words of each kind of message, from the facts of the event that caused it. */
export const templates = {
  order_confirmed: (f: {
    match: MatchFacts;
    quantity: number;
    category: number;
    amountCents: number;
    currency: string;
  }): Rendered => ({
    title: `Your tickets for ${matchName(f.match)}`,
    paragraphs: [
      `Payment received: ${money(f.amountCents, f.currency)} for ${f.quantity} ticket${f.quantity > 1 ? 's' : ''} in category ${f.category}.`,
      'Your e-tickets are attached as PDF files. In the app, "My tickets" shows a code that changes every 30 seconds: use that at the gate if you can.',
    ],
    link: '/tickets',
    linkLabel: 'Open My tickets',
  }),
  hold_ending: (f: { match: MatchFacts; minutes: number; expiresAt: string }): Rendered => ({
    title: `Your hold ends in ${f.minutes} minutes`,
    paragraphs: [
      `The tickets held for you for ${matchName(f.match)} are released at ${when(f.expiresAt)} unless you pay before then.`,
    ],
    link: '/orders',
    linkLabel: 'Pay now',
  }),
  hold_expired: (f: { match: MatchFacts }): Rendered => ({
    title: 'Your hold expired',
    paragraphs: [
      `The tickets held for ${matchName(f.match)} were released because the order was not paid in time. Nothing was charged.`,
    ],
    link: `/matches/${f.match.matchNumber}`,
    linkLabel: 'See the match',
  }),
  payment_declined: (f: { amountCents: number; currency: string; reason: string }): Rendered => ({
    title: 'Your payment was declined',
    paragraphs: [
      `A payment of ${money(f.amountCents, f.currency)} was declined (${f.reason}). Your hold stays until it expires: you can try another card.`,
    ],
    link: '/orders',
    linkLabel: 'Try again',
  }),
  refund_issued: (f: { amountCents: number; currency: string; reason: string }): Rendered => ({
    title: 'A refund is on its way',
    paragraphs: [
      `We refunded ${money(f.amountCents, f.currency)} (${f.reason}). It can take a few days to show on your statement.`,
    ],
    link: '/orders',
    linkLabel: 'See your orders',
  }),
  resale_sold: (f: { match: MatchFacts; priceCents: number; currency: string }): Rendered => ({
    title: 'Your resale ticket sold',
    paragraphs: [
      `Your ticket for ${matchName(f.match)} was bought for ${money(f.priceCents, f.currency)}. Its old codes no longer open the gate.`,
    ],
    link: '/tickets',
    linkLabel: 'My tickets',
  }),
  ticket_received: (f: { match: MatchFacts }): Rendered => ({
    title: 'A ticket is now yours',
    paragraphs: [
      `A ticket for ${matchName(f.match)} was transferred to you. Its code is in "My tickets".`,
    ],
    link: '/tickets',
    linkLabel: 'My tickets',
  }),
  seats_back: (f: { match: MatchFacts; category: number }): Rendered => ({
    title: `Seats are back for ${matchName(f.match)}`,
    paragraphs: [
      `Category ${f.category} has tickets again. Everyone following this match hears at the same moment; first come, first served, nothing is reserved for you.`,
    ],
    link: `/matches/${f.match.matchNumber}`,
    linkLabel: 'Buy now',
  }),
  kickoff_soon: (f: { match: MatchFacts }): Rendered => ({
    title: `${matchName(f.match)} kicks off soon`,
    paragraphs: [
      `Kick-off ${f.match.kickOff ? when(f.match.kickOff) : 'soon'}${f.match.venue ? ` at ${f.match.venue}` : ''}.`,
    ],
    link: `/matches/${f.match.matchNumber}`,
    linkLabel: 'See the match',
  }),
} satisfies Record<NotificationKind, (facts: never) => Rendered>;

/** The mail for a rendered message: a plain-text part and an HTML part with the same words. */
export function mailFor(rendered: Rendered, greeting: string, publicUrl: string): MailContent {
  const url = rendered.link ? new URL(rendered.link, publicUrl).toString() : undefined;
  const text = [
    `Hello ${greeting},`,
    '',
    ...rendered.paragraphs.flatMap((p) => [p, '']),
    ...(url ? [`${rendered.linkLabel ?? 'Open'}: ${url}`, ''] : []),
    '-- Ticketaka (official FIFA World Cup ticket sales). Choose what we send you on your account page.',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;max-width:560px">',
    `<h2>${escapeHtml(rendered.title)}</h2>`,
    `<p>Hello ${escapeHtml(greeting)},</p>`,
    ...rendered.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    url
      ? `<p><a href="${escapeHtml(url)}">${escapeHtml(rendered.linkLabel ?? 'Open')}</a></p>`
      : '',
    '<p style="color:#777;font-size:12px">Ticketaka (official FIFA World Cup ticket sales). Choose what we send you on your account page.</p>',
    '</body></html>',
  ].join('');
  return { subject: rendered.title, text, html };
}
