/** The request bodies of the fan's settings come from the public contracts (one source for client and service). */
export {
  followSchema,
  markReadSchema,
  updatePreferencesSchema,
  type FollowInput,
} from '@ticketaka/contracts';
