// Lighthouse 12.2.3 on / and /matches/1 with Debian's Chromium (CHROME_PATH=/usr/bin/chromium).
// Run against a running platform: `npm run lighthouse -w client` (BENCH_URL, default http://localhost:8080).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.BENCH_URL ?? 'http://localhost:8080';
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-lighthouse-'));

for (const page of ['/', '/matches/1']) {
  const report = path.join(out, `${page === '/' ? 'home' : 'match'}.json`);
  const result = spawnSync(
    'npx',
    [
      'lighthouse',
      `${base}${page}`,
      '--quiet',
      '--output=json',
      `--output-path=${report}`,
      '--only-categories=performance,accessibility,best-practices',
      '--chrome-flags=--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync',
    ],
    {
      env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  const { categories } = JSON.parse(fs.readFileSync(report, 'utf8'));
  const score = (k: string) => Math.round(categories[k].score * 100);
  console.log(
    `${page.padEnd(12)} performance ${score('performance')}   accessibility ${score('accessibility')}   best practices ${score('best-practices')}`,
  );
}
fs.rmSync(out, { recursive: true, force: true });
