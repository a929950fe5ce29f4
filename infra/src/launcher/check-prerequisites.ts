// Run before the test suite: installs (as root) or names the system packages it needs.
import { ensurePrerequisites, testPrerequisites } from '../prerequisites';

try {
  ensurePrerequisites(testPrerequisites);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
