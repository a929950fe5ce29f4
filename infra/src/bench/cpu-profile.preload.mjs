// Loaded with NODE_OPTIONS="--import <this file>" by a benchmark (BENCH_CPU_PROFILE_DIR), since
// Node refuses --cpu-prof in NODE_OPTIONS: profiles the process from start to exit and writes
// <dir>/<service>-<pid>.cpuprofile, readable by Chrome DevTools or any .cpuprofile tool.
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // The in-thread inspector answers synchronously, so this works in an exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      fs.mkdirSync(dir, { recursive: true });
      // <service>/src/main.ts names the service.
      const entry = process.argv[1] ?? 'node';
      const name = `${path.basename(path.dirname(path.dirname(entry)))}-${process.pid}.cpuprofile`;
      fs.writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    });
  });
}
