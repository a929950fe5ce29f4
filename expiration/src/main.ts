import { runMain } from '@ticketaka/common';
import { startExpirationService } from './expiration-service';

runMain('expiration', () => startExpirationService());
