import type { EventDefinition, EventOf } from '../define-event';
import * as authEvents from './auth.events';

/** Every event type of the platform; add a service's definitions file here. */
export const eventCatalogue = {
  ...authEvents,
};

type Catalogue = typeof eventCatalogue;
export type AnyEvent = EventOf<Catalogue[keyof Catalogue]>;

const byType = new Map<string, EventDefinition>(
  Object.values(eventCatalogue).map((definition) => [definition.type, definition as EventDefinition]),
);

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}

export { authEvents };
