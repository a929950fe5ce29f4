import { runMain } from '@ticketaka/common';
import { startKafkaBridgeService } from './kafka-bridge-service';

runMain('kafka-bridge', () => startKafkaBridgeService());
