import { runMain } from '@ticketaka/common';
import { startAnalyticsService } from './analytics-service';

runMain('analytics', () => startAnalyticsService());
