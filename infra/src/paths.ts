import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Everything a local run or a test run writes lives under this one folder (git-ignored). */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TICKETAKA_HOME ?? path.join(repoRoot, '.local'));
}

export const runDir = (env?: NodeJS.ProcessEnv) => path.join(homeDir(env), 'run');
export const logDir = (env?: NodeJS.ProcessEnv) => path.join(homeDir(env), 'logs');
export const dataDir = (name: string, env?: NodeJS.ProcessEnv) => path.join(homeDir(env), name);
