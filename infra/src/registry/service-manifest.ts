import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { routePolicyName } from '@ticketaka/common/src/security/route-policy';
import { repoRoot } from '../paths';

/**
 * A service's one registration: `<service>/service.json`. The launcher, the local gateway,
 * the Kubernetes ingress, `skaffold.yaml` and `infra/k8s/<service>.yaml` are all derived
 * from it, so adding a service is a folder of its own plus one line in the root
 * package.json's `workspaces`.
 */
const routeSchema = z.strictObject({
  /** Path prefix on the public origin; longer prefixes win, as in nginx and ingress-nginx. */
  prefix: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'a path starting with /'),
  /** Server-Sent Events: no buffering and long read timeouts. */
  streaming: z.boolean().optional(),
  /** Requests whose body the service must see byte for byte (signed webhooks). */
  rawBody: z.boolean().optional(),
  /**
   * The gateway may keep a GET answer that the service marked cacheable (`X-Accel-Expires`)
   * and give it to every visitor without a cookie until it expires (infra/src/gateway/micro-cache.ts).
   */
  microCache: z.boolean().optional(),
  /**
   * What the security check does for this route (common/src/security/route-policy.ts):
   * `exempt` skips it (signed webhooks), `signin` / `signup` / `purchase` are strict.
   */
  policy: routePolicyName.default('browse'),
});

const quantity = z.strictObject({ cpu: z.string(), memory: z.string() });

const secretRefSchema = z.strictObject({
  /** The environment variable the container sees. */
  env: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  secret: z.string(),
  key: z.string(),
  optional: z.boolean().optional(),
  /** Rendered as a comment above the variable in the manifest. */
  why: z.string().optional(),
});

/**
 * A HorizontalPodAutoscaler on CPU between `replicas` and `maxReplicas`; `false` for a service
 * that gains nothing from more pods (say why in `kubernetes.why`). Omitted: up to 4 × replicas.
 */
const autoscalingSchema = z.union([
  z.literal(false),
  z.strictObject({
    maxReplicas: z.number().int().min(1),
    /** Average CPU use, as a share of the request, that the autoscaler keeps pods at. */
    targetCpuPercent: z.number().int().min(10).max(100).default(70),
  }),
]);

const kubernetesSchema = z
  .strictObject({
    /** Pods at rest; the autoscaler's minimum. */
    replicas: z.number().int().min(1),
    /** Why that many replicas are safe; rendered as a comment above `replicas`. */
    why: z.string(),
    autoscaling: autoscalingSchema.optional(),
    env: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).default({}),
    secrets: z.array(secretRefSchema).default([]),
    resources: z.strictObject({ requests: quantity, limits: quantity }),
    /**
     * How long a stopping pod may take to finish in-flight requests, its consumers' current
     * messages and the outbox relay's current batch after SIGTERM (SHUTDOWN_TIMEOUT_SECONDS).
     */
    shutdownSeconds: z.number().int().min(5).max(300).default(20),
    /** Budget for start-up (migrations included) before the startup probe gives up. */
    startupSeconds: z.number().int().min(10).max(600).default(120),
    /**
     * Files the service keeps on disk across restarts (the analytics lake): a
     * PersistentVolumeClaim `<name>-data` mounted at `mountPath`. ReadWriteOnce storage is
     * one node's at a time, so such a service runs one pod and is replaced, not rolled.
     */
    volume: z
      .strictObject({
        mountPath: z.string().regex(/^\/[\w./-]+$/),
        size: z.string().regex(/^\d+(Mi|Gi|Ti)$/),
        accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']).default('ReadWriteOnce'),
        /** The cluster's default storage class when omitted. */
        storageClassName: z.string().optional(),
        /** What lives there and what losing it costs; rendered as a comment. */
        why: z.string(),
      })
      .optional(),
  })
  .superRefine((k, ctx) => {
    if (k.volume?.accessMode === 'ReadWriteOnce' && (k.replicas !== 1 || k.autoscaling !== false)) {
      ctx.addIssue({
        code: 'custom',
        path: ['volume', 'accessMode'],
        message: 'a ReadWriteOnce volume needs replicas 1 and autoscaling false',
      });
    }
    if (k.autoscaling && k.autoscaling.maxReplicas < k.replicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoscaling', 'maxReplicas'],
        message: `must be at least replicas (${k.replicas})`,
      });
    }
  });

/**
 * How the image is built (infra/src/images/dockerfile.ts renders `<service>/Dockerfile`):
 * `node` compiles the workspace's TypeScript with tsc and runs `node`; `nextjs` runs
 * `next build` with `output: 'standalone'` and runs its `server.js`.
 */
const imageSchema = z.strictObject({
  kind: z.enum(['node', 'nextjs']).default('node'),
});

/**
 * How the launcher runs a service that is not a plain `node --import tsx <name>/src/main.ts`
 * (e.g. a Next.js app: built once, then served from its build). Paths are relative to the
 * repository root; a leading `node` runs under the launcher's own Node.js.
 */
const processSchema = z.strictObject({
  /** Run before start when `output` is missing or older than any file under `inputs`. */
  build: z
    .strictObject({
      command: z.array(z.string()).min(1),
      output: z.string(),
      inputs: z.array(z.string()).min(1),
    })
    .optional(),
  command: z.array(z.string()).min(1),
  /** Variables this process needs whatever the developer's shell says (e.g. NODE_ENV). */
  env: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).default({}),
  /** Longest time it may take to answer /readyz after start. */
  readyTimeoutMs: z.number().int().positive().default(60_000),
});

const serviceName = z.string().regex(/^[a-z][a-z0-9-]*$/);
const eventType = z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*){2}$/, 'an event type');

/**
 * What a service does on NATS; its NATS user is allowed exactly this
 * (infra/src/security/nats-permissions.ts). Publishing its own events (`<name>.>`) and its
 * own dead letters is implied by its name. A `consume(...)` or `bus.request(...)` that is
 * not declared here is refused by the server.
 */
const messagingSchema = z.strictObject({
  /** Event types it consumes, one durable consumer each (`runtime.consume`, `bus.subscribe`). */
  consumes: z.array(eventType).default([]),
  /** Producers whose whole stream it observes read-only (`bus.subscribeStream`). */
  observes: z.array(serviceName).default([]),
  /** Request/reply subjects it calls (`bus.request`), e.g. `rpc.tickets.hold`. */
  asks: z.array(z.string().regex(/^rpc\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/)).default([]),
  /** Whether it serves its own `rpc.<name>.>` subjects (`bus.reply`). */
  answers: z.boolean().default(false),
});

export const serviceManifestSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Folder, npm package suffix, image name, PostgreSQL schema (dashes become underscores). */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  /** Default port of local runs; `<NAME>_PORT` (e.g. KAFKA_BRIDGE_PORT) overrides it. */
  port: z.number().int().min(1024).max(32767),
  /** Lower starts first (tickets before orders, which asks it for holds). */
  startOrder: z.number().int(),
  /** Started by the local launcher only when this environment variable has this value. */
  enabledWhen: z.strictObject({ env: z.string(), equals: z.string() }).optional(),
  routes: z.array(routeSchema).default([]),
  /**
   * Services it calls over HTTP (a server-rendering client): it is given `<NAME>_URL` for
   * each, the local port in a local run and the cluster Service in Kubernetes.
   */
  calls: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]),
  process: processSchema.optional(),
  /**
   * Who gets the CPU first when the machine is saturated (an on-sale, an attack):
   * `front-door` (the security check, whose 50 ms budget decides whether a request is let in),
   * `request-path` (services a fan's request waits for), `background` (consumers whose work
   * may lag by seconds). Local runs map it to a nice level (infra/src/process/scheduling.ts);
   * in Kubernetes the same intent is the pods' CPU requests, which set their cgroup weight.
   */
  scheduling: z.enum(['front-door', 'request-path', 'background']).default('request-path'),
  /** Its NATS permissions; absent for a service that has no NATS, PostgreSQL or Redis user (the web client). */
  messaging: messagingSchema.optional(),
  /**
   * Redis key namespaces it reads and writes (`<REDIS_PREFIX>:<namespace>:…`); its Redis user
   * may touch no other key, except reading auth's session revocations, which every service
   * checks (infra/src/security/redis-permissions.ts).
   */
  redis: z.strictObject({ owns: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1) }).optional(),
  image: imageSchema.default({ kind: 'node' }),
  kubernetes: kubernetesSchema,
});

export type ServiceManifest = z.infer<typeof serviceManifestSchema>;
export type ServiceRoute = z.infer<typeof routeSchema>;
export type ServiceProcess = z.infer<typeof processSchema>;
export type ServiceMessaging = z.infer<typeof messagingSchema>;

export const manifestFile = (folder: string) => path.join(repoRoot, folder, 'service.json');

/** The root package.json's workspaces that carry a service.json, in start order. */
export function loadServiceManifests(root = repoRoot): ServiceManifest[] {
  const workspaces: string[] = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  ).workspaces;
  const manifests = workspaces
    .filter((folder) => fs.existsSync(path.join(root, folder, 'service.json')))
    .map((folder) => {
      const file = path.join(root, folder, 'service.json');
      const parsed = serviceManifestSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new Error(`${path.relative(root, file)} is invalid:\n  ${problems.join('\n  ')}`);
      }
      if (parsed.data.name !== folder) {
        throw new Error(`${folder}/service.json names "${parsed.data.name}", not its folder`);
      }
      return parsed.data;
    });
  const names = new Set(manifests.map((m) => m.name));
  for (const m of manifests)
    for (const callee of m.calls)
      if (!names.has(callee)) throw new Error(`${m.name} calls ${callee}, which is not registered`);
  const taken = new Map<number, string>();
  for (const m of manifests) {
    const other = taken.get(m.port);
    if (other) throw new Error(`${m.name} and ${other} both claim port ${m.port}`);
    taken.set(m.port, m.name);
  }
  return manifests.sort((a, b) => a.startOrder - b.startOrder);
}
