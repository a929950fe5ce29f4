import type { EventDefinition, EventOf } from '../define-event';
import * as authEvents from './auth.events';
import * as expirationEvents from './expiration.events';
import * as ordersEvents from './orders.events';
import * as paymentsEvents from './payments.events';
import * as securityEvents from './security.events';
import * as ticketsEvents from './tickets.events';

/** Every event type of the platform; add a service's definitions file here. */
export const eventCatalogue = {
  userCreated: authEvents.userCreated,
  userRoleChanged: authEvents.userRoleChanged,
  inventoryChanged: ticketsEvents.inventoryChanged,
  holdPlaced: ticketsEvents.holdPlaced,
  holdReleased: ticketsEvents.holdReleased,
  holdSold: ticketsEvents.holdSold,
  holdConfirmed: ticketsEvents.holdConfirmed,
  ticketIssued: ticketsEvents.ticketIssued,
  ticketTransferred: ticketsEvents.ticketTransferred,
  listingCreated: ticketsEvents.listingCreated,
  listingUpdated: ticketsEvents.listingUpdated,
  listingSold: ticketsEvents.listingSold,
  orderCreated: ordersEvents.orderCreated,
  orderCancelled: ordersEvents.orderCancelled,
  orderExpired: ordersEvents.orderExpired,
  orderCompleted: ordersEvents.orderCompleted,
  orderPaymentRejected: ordersEvents.orderPaymentRejected,
  expirationOrderExpired: expirationEvents.expirationOrderExpired,
  paymentSucceeded: paymentsEvents.paymentSucceeded,
  paymentFailed: paymentsEvents.paymentFailed,
  paymentRefunded: paymentsEvents.paymentRefunded,
  requestBlocked: securityEvents.requestBlocked,
  requestChallenged: securityEvents.requestChallenged,
  requestRateLimited: securityEvents.requestRateLimited,
  blocklistChanged: securityEvents.blocklistChanged,
};

type Catalogue = typeof eventCatalogue;
export type AnyEvent = EventOf<Catalogue[keyof Catalogue]>;

const byType = new Map<string, EventDefinition>(
  Object.values(eventCatalogue).map((definition) => [
    definition.type,
    definition as EventDefinition,
  ]),
);

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}

export {
  authEvents,
  expirationEvents,
  ordersEvents,
  paymentsEvents,
  securityEvents,
  ticketsEvents,
};
export * from './shared-schemas';
