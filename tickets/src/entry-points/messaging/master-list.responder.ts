import {
  LOAD_MASTER_LIST_SUBJECT,
  loadMasterListRequestSchema,
  type ServiceRuntime,
} from '@ticketaka/common';
import type { TicketsConfig } from '../../config';
import { loadMasterList } from '../../domain/load-master-list.use-case';

/** The kafka-bridge loads the organiser's master-list topic through the same use case as the seed. */
export function serveMasterListLoads(runtime: ServiceRuntime<TicketsConfig>): void {
  runtime.bus.reply(LOAD_MASTER_LIST_SUBJECT, loadMasterListRequestSchema, ({ matches }) =>
    loadMasterList(runtime, matches, runtime.config.CATALOGUE_CURRENCY),
  );
}
