import path from 'node:path';

/**
 * The organiser's master list as bundled with tickets (its catalogue seed). Tools and tests
 * that need the same list read it from here; services in other images keep their own
 * configurable path to the file.
 */
export const SEED_MASTER_LIST = path.join(__dirname, 'master-list.json');
