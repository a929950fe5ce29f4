import { notificationKinds, type NotificationKind } from '@ticketaka/contracts';

export { notificationKinds, type NotificationKind };

/** What the account page shows beside each switch. */
export const kindLabels: Record<NotificationKind, string> = {
  order_confirmed: 'Order confirmed, with your tickets attached',
  hold_ending: 'Your hold ends in a few minutes',
  hold_expired: 'Your hold expired',
  payment_declined: 'A payment was declined',
  refund_issued: 'A refund was issued',
  resale_sold: 'Your resale ticket sold',
  ticket_received: 'A ticket was transferred to you',
  seats_back: 'Seats are back for a match or team you follow',
  kickoff_soon: 'A match you follow kicks off within 24 hours',
};
