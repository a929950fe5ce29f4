import { z } from 'zod';

// zod 4 probes for `new Function` to compile fast parsers; under our CSP (no 'unsafe-eval')
// the probe is a reported violation. Interpreted parsing is plenty for a page's answers.
z.config({ jitless: true });

export { z };
