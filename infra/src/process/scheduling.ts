import fs from 'node:fs';
import type { ServiceManifest } from '../registry/service-manifest';

/**
 * Nice level per scheduling class of a local run. Linux weighs runnable work by nice level
 * (each step ≈ 1.25×): at 4 a request-path service gets about two fifths of a front-door
 * process's share when both want a core, at 10 background work about a tenth. Nothing is
 * starved: an idle machine runs everything at full speed. These weights are the local
 * stand-in for Kubernetes CPU requests, which the kernel turns into cgroup weights.
 *
 * The shared servers (the gateway, Redis with every check's counters, PostgreSQL, NATS) run
 * at the front door's level, since a stalled query or stream holds every service up;
 * Mailpit only receives mail and runs as background.
 */
export const niceLevels: Record<ServiceManifest['scheduling'], number> = {
  'front-door': 0,
  'request-path': 4,
  background: 10,
};

/** TICKETAKA_SCHEDULING=flat runs everything at one level (to measure what the classes change). */
export const niceFor = (scheduling: ServiceManifest['scheduling'], env: NodeJS.ProcessEnv) =>
  env.TICKETAKA_SCHEDULING === 'flat' ? 0 : niceLevels[scheduling];

/**
 * Each daemon runs in a session of its own, and with autogroup scheduling (on in this
 * machine's kernel and in Debian's and Ubuntu's) Linux first shares the cores equally between sessions, then
 * between threads by nice level inside each one. So a thread's nice alone changes nothing
 * between two services: with about 16 busy sessions on 2 cores the security check got a
 * sixteenth of the machine, less than it needs at an on-sale's rate, and nginx's 50 ms budget ran out
 * while it waited for a core. The session's own nice (/proc/<pid>/autogroup) is what weighs
 * services against each other. A kernel without autogroup has no such file; then the
 * threads' nice, set by `nice` at exec, does the same job.
 */
export function setSessionNice(pid: number, nice: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch {
    // No autogroup (ENOENT), or a /proc this user or container may not write: the priority
    // is a refinement under load, never a reason for a server not to start.
    return false;
  }
}
