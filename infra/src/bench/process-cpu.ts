import fs from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (CLK_TCK, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function stat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: split after its end.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

export type CpuSnapshot = Map<string, Map<number, number>>;

/**
 * CPU time (user + system) of named process trees (a server and its workers or backends),
 * read from /proc. Per-process CPU is what a busy shared machine distorts least: a queue
 * inflates wall-clock latency, not the work each process does per request.
 */
export function snapshotCpu(roots: Record<string, number>): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const [name, root] of Object.entries(roots)) {
    const perPid = new Map<number, number>();
    for (const pid of processTree(root)) perPid.set(pid, stat(pid)?.cpuTicks ?? 0);
    snapshot.set(name, perPid);
  }
  return snapshot;
}

/** Milliseconds of CPU each tree used between two snapshots (processes born meanwhile count whole). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const used = new Map<string, number>();
  for (const [name, pids] of after) {
    let ticks = 0;
    for (const [pid, now] of pids) ticks += now - (before.get(name)?.get(pid) ?? 0);
    used.set(name, (ticks * 1000) / TICKS_PER_SECOND);
  }
  return used;
}
