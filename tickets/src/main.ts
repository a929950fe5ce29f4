import { runMain } from '@ticketaka/common';
import { startTicketsService } from './tickets-service';

runMain('tickets', () => startTicketsService());
