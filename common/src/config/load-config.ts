import { z } from 'zod';

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(
      `${service}: the configuration is invalid:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these environment variables (see docs/configuration.md) and start again.',
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads the environment through one zod schema so every variable is checked at start-up
 * and every problem is reported at once, naming the variable, instead of failing later.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    const shown = value === undefined ? 'missing' : looksSecret(name) ? 'set' : `got "${value}"`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(service, problems);
}

const looksSecret = (name: string) => /KEY|SECRET|PASSWORD|TOKEN/i.test(name);

/** Environment booleans: "true"/"1"/"yes" and "false"/"0"/"no", nothing else. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envPort = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);
