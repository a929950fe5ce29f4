import { runMain } from '@ticketaka/common';
import { startOrdersService } from './orders-service';

runMain('orders', () => startOrdersService());
