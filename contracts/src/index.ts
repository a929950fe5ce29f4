/**
 * The platform's public HTTP contracts. Pure zod (no Node, no server code), so the Next.js
 * client and the services validate and type the same bodies from one source.
 */
export * from './primitives';
export * from './errors.contract';
export * from './countries';
export * from './users.contract';
export * from './matches.contract';
export * from './orders.contract';
export * from './payments.contract';
export * from './resale.contract';
export * from './admin.contract';
export * from './e-tickets.contract';
export * from './analytics.contract';
export * from './notifications.contract';
