import { runMain } from '@ticketaka/common';
import { startNotificationsService } from './notifications-service';

runMain('notifications', () => startNotificationsService());
