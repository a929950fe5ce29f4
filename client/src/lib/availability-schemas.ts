// The live stream's schemas (from the contracts, so zod) as a module of their own: the live
// badges import it only after the page is interactive, so zod is not part of what a
// catalogue page must download and run before it hydrates.
import './zod-in-browser';

export { availabilitySnapshotSchema, availabilityUpdateSchema } from '@ticketaka/contracts';
