import { runMain } from '@ticketaka/common';
import { startPaymentsService } from './payments-service';

runMain('payments', () => startPaymentsService());
