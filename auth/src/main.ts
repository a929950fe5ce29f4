import { runMain } from '@ticketaka/common';
import { startAuthService } from './auth-service';

runMain('auth', () => startAuthService());
