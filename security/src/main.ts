import { runMain } from '@ticketaka/common';
import { startSecurityService } from './security-service';

runMain('security', () => startSecurityService());
