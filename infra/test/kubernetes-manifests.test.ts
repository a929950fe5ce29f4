import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  dockerfilePath,
  imageWorkspaces,
  renderDockerfile,
  renderDockerignore,
} from '../src/images/dockerfile';
import { generatedFiles } from '../src/kubernetes/generate';
import { validateManifest } from '../src/kubernetes/schema-validation';
import {
  autoscalingOf,
  PRE_STOP_SECONDS,
  renderServiceYaml,
} from '../src/kubernetes/service-manifests';
import { repoRoot } from '../src/paths';
import { loadServiceManifests } from '../src/registry/service-manifest';
import { entryPoint, serviceDefinitions } from '../src/services';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
const k8sDir = path.join(repoRoot, 'infra', 'k8s');
const manifestFiles = fs
  .readdirSync(k8sDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(k8sDir, f));

function load(file: string): any[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return doc.toJS();
  });
}
const all = manifestFiles.flatMap((file) => load(file).map((doc) => ({ file, doc })));
const skaffold = load(path.join(repoRoot, 'skaffold.yaml'))[0];
const builtServices = serviceDefinitions.filter((s) => fs.existsSync(entryPoint(s)));

test('when the manifests are parsed, then every document is a named Kubernetes object', () => {
  expect(all.length).toBeGreaterThan(0);
  for (const { file, doc } of all) {
    expect([file, typeof doc.apiVersion, typeof doc.kind, typeof doc.metadata?.name]).toEqual([
      file,
      'string',
      'string',
      'string',
    ]);
  }
});

describe('validated offline against the pinned Kubernetes 1.27 OpenAPI schemas and the CloudNativePG CRD', () => {
  test.each(
    all.map(({ file, doc }) => [path.relative(repoRoot, file), doc.kind, doc.metadata?.name, doc]),
  )(
    'when %s %s/%s is checked, then the API server would accept every field of it',
    (_file, _kind, _name, doc) => {
      expect(validateManifest(doc)).toEqual([]);
    },
  );

  const rendered = () =>
    parseAllDocuments(renderServiceYaml(serviceDefinitions[0]!)).map((d) => d.toJS());

  test('when a field name is misspelt in a rendered Deployment, then validation names the field', () => {
    const deployment = rendered().find((d) => d.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    container.readinessProbes = container.readinessProbe;
    delete container.readinessProbe;
    expect(validateManifest(deployment)).toEqual([
      {
        path: 'spec.template.spec.containers[0].readinessProbes',
        message: 'unknown field in apps/v1 Deployment',
      },
    ]);
  });

  test('when a value has the wrong type or a required field is missing, then validation fails', () => {
    const hpa = rendered().find((d) => d.kind === 'HorizontalPodAutoscaler');
    hpa.spec.maxReplicas = 'ten';
    expect(validateManifest(hpa)).toEqual([
      expect.objectContaining({ path: 'spec.maxReplicas', message: 'must be integer' }),
    ]);
    const pdb = rendered().find((d) => d.kind === 'PodDisruptionBudget');
    pdb.spec.maxUnavailable = { one: 1 };
    expect(validateManifest(pdb).length).toBeGreaterThan(0);
    const svc = rendered().find((d) => d.kind === 'Service');
    delete svc.spec.ports[0].port;
    expect(validateManifest(svc)).toEqual([
      expect.objectContaining({ message: "must have required property 'port'" }),
    ]);
  });

  test('when a field of the CloudNativePG Cluster is misspelt, then validation names it', () => {
    const cluster = all.find(({ doc }) => doc.kind === 'Cluster')?.doc;
    expect(cluster).toBeDefined();
    const broken = structuredClone(cluster);
    broken.spec.backup.barmanObjectStore.s3Credential =
      broken.spec.backup.barmanObjectStore.s3Credentials;
    delete broken.spec.backup.barmanObjectStore.s3Credentials;
    broken.spec.instance = 3;
    expect(
      validateManifest(broken)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['spec.backup.barmanObjectStore.s3Credential', 'spec.instance']);
  });

  test('when a kind has no pinned schema, then validation refuses it rather than passing it', () => {
    expect(
      validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toEqual([{ path: '', message: 'no schema pinned for example.com/v1 Widget' }]);
  });
});

test.each(Object.entries(generatedFiles()))(
  'when %s is rendered from the service registrations, then the committed file is identical (npm run gen:k8s -w infra)',
  (file, content) => {
    expect(fs.readFileSync(path.join(repoRoot, file), 'utf8')).toBe(content);
  },
);

test('when a folder has a service.json, then it is a workspace with an entry point and a Dockerfile', () => {
  const workspaces: string[] = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'),
  ).workspaces;
  const registered = fs
    .readdirSync(repoRoot)
    .filter((folder) => fs.existsSync(path.join(repoRoot, folder, 'service.json')));
  expect(registered.sort()).toEqual(serviceDefinitions.map((s) => s.name).sort());
  for (const name of registered) {
    expect([name, workspaces.includes(name)]).toEqual([name, true]);
    expect([name, fs.existsSync(path.join(repoRoot, name, 'Dockerfile'))]).toEqual([name, true]);
  }
});

describe('a service registration', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketaka-registry-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (folder: string, manifest: unknown) => {
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    fs.writeFileSync(path.join(root, folder, 'service.json'), JSON.stringify(manifest));
  };
  const valid = (name: string, port: number) => ({
    name,
    description: 'x',
    port,
    startOrder: 1,
    kubernetes: {
      replicas: 1,
      why: 'x',
      resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
    },
  });

  test('when a field is wrong, then loading names the file and the field', () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['bad'] }));
    write('bad', { ...valid('bad', 5000), port: 'x', extra: true });
    expect(() => loadServiceManifests(root)).toThrow(/bad\/service\.json is invalid:\n.*port/s);
  });

  test('when two services claim one port, then loading refuses both', () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['a', 'b'] }));
    write('a', valid('a', 5001));
    write('b', valid('b', 5001));
    expect(() => loadServiceManifests(root)).toThrow('b and a both claim port 5001');
  });

  test('when the autoscaler maximum is below the replicas, then loading refuses it', () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['c'] }));
    const manifest = valid('c', 5002);
    write('c', {
      ...manifest,
      kubernetes: { ...manifest.kubernetes, replicas: 3, autoscaling: { maxReplicas: 2 } },
    });
    expect(() => loadServiceManifests(root)).toThrow(
      /kubernetes\.autoscaling\.maxReplicas: must be at least replicas \(3\)/,
    );
  });

  test('when a service registers a volume, then it gets a claim mounted where it says, owned by the image user, replaced rather than rolled; a one-node volume with several replicas is refused', () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['d', 'e'] }));
    const volume = { mountPath: '/data', size: '5Gi', why: 'the files' };
    const disk = valid('d', 5003);
    write('d', {
      ...disk,
      kubernetes: { ...disk.kubernetes, autoscaling: false, volume },
    });
    const crowded = valid('e', 5004);
    write('e', { ...crowded, kubernetes: { ...crowded.kubernetes, replicas: 2, volume } });
    expect(() => loadServiceManifests(root)).toThrow(
      /kubernetes\.volume\.accessMode: a ReadWriteOnce volume needs replicas 1 and autoscaling false/,
    );
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['d'] }));
    const [withDisk] = loadServiceManifests(root);
    const docs = parseAllDocuments(renderServiceYaml(withDisk!)).map((d) => d.toJS());
    for (const doc of docs) expect([doc.kind, validateManifest(doc)]).toEqual([doc.kind, []]);
    const claim = docs.find((d) => d.kind === 'PersistentVolumeClaim');
    expect(claim.metadata.name).toBe('d-data');
    expect(claim.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
    });
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(pod.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'd-data' } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(pod.securityContext.fsGroup).toBe(1000);
  });

  test('when a Next.js service is registered, then its image is the standalone server with its own workspaces, and its manifests validate', () => {
    fs.writeFileSync(
      path.join(root, 'package.json'),
      JSON.stringify({ workspaces: ['contracts', 'web'] }),
    );
    const pkg = (folder: string, deps: Record<string, string> = {}) =>
      fs.writeFileSync(
        path.join(root, folder, 'package.json'),
        JSON.stringify({ name: `@ticketaka/${folder}`, dependencies: deps }),
      );
    fs.mkdirSync(path.join(root, 'contracts'), { recursive: true });
    pkg('contracts');
    write('web', { ...valid('web', 3000), image: { kind: 'nextjs' } });
    pkg('web', { '@ticketaka/contracts': '1.0.0', next: '16.0.0' });
    const [web] = loadServiceManifests(root);
    expect(imageWorkspaces(web!, root)).toEqual(['contracts', 'web']);
    const dockerfile = renderDockerfile(web!, root);
    expect(dockerfile).toContain('RUN npm run build --workspace @ticketaka/web');
    expect(dockerfile).toContain('COPY --from=build /app/web/.next/standalone/ ./');
    expect(dockerfile).toMatch(/^CMD \["node", "web\/server\.js"\]$/m);
    expect(dockerfile).not.toContain('common');
    expect(renderDockerignore(web!, root)).toContain('!contracts/\n!web/\n');
    const docs = parseAllDocuments(renderServiceYaml(web!)).map((d) => d.toJS());
    for (const doc of docs) expect([doc.kind, validateManifest(doc)]).toEqual([doc.kind, []]);
    const container = docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'HOSTNAME', value: '0.0.0.0' });
  });
});

describe.each(builtServices.map((s) => [s.name, s] as const))('the %s service', (name, service) => {
  const docs = all
    .filter(({ file }) => path.basename(file) === `${name}.yaml`)
    .map(({ doc }) => doc);
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const svc = docs.find((d) => d.kind === 'Service');
  const port = service.port;

  test('when deployed, then it has startup, readiness and liveness probes, resource limits, shared config and its port', () => {
    expect(deployment).toBeDefined();
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(`ticketaka/${name}`);
    expect(container.ports).toContainEqual({ name: 'http', containerPort: port });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBe(
      service.kubernetes.startupSeconds,
    );
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.resources).toEqual(service.kubernetes.resources);
    expect(container.envFrom).toEqual(
      expect.arrayContaining([{ configMapRef: { name: 'ticketaka-config' } }]),
    );
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  test('when it is stopped, then the pod stays in rotation through the pre-stop pause and the kubelet waits for the whole shutdown budget', () => {
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', String(PRE_STOP_SECONDS)]);
    const budget = Number(
      container.env.find((e: any) => e.name === 'SHUTDOWN_TIMEOUT_SECONDS')?.value,
    );
    expect(budget).toBe(service.kubernetes.shutdownSeconds);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(PRE_STOP_SECONDS + budget);
  });

  test('when it runs, then it runs as a non-root user without privilege escalation or capabilities', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('when nodes are drained or load grows, then a disruption budget and (unless opted out) an autoscaler cover it', () => {
    const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector });
    const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler');
    const scaling = autoscalingOf(service);
    if (!scaling) {
      expect(hpa).toBeUndefined();
      expect(deployment.spec.replicas).toBe(service.kubernetes.replicas);
      return;
    }
    // The autoscaler owns the count; a re-apply of the Deployment must not reset it.
    expect(deployment.spec.replicas).toBeUndefined();
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: service.kubernetes.replicas,
      maxReplicas: scaling.maxReplicas,
    });
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: scaling.targetCpuPercent },
    });
  });

  test('when exposed, then its Service selects its pods on its port', () => {
    expect(svc).toBeDefined();
    expect(svc.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(svc.spec.ports).toContainEqual({ name: 'http', port, targetPort: 'http' });
  });

  const dockerfile = fs.readFileSync(path.join(repoRoot, dockerfilePath(service)), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => m[2]);

  test('when skaffold dev builds, then it uses the dev stage of its Dockerfile and syncs the sources of every shipped workspace', () => {
    const artifact = skaffold.build.artifacts.find((a: any) => a.image === `ticketaka/${name}`);
    expect(artifact).toBeDefined();
    expect(artifact.docker).toEqual({ dockerfile: dockerfilePath(service), target: 'dev' });
    expect(stages).toContain('dev');
    const synced = artifact.sync.manual.map((rule: any) => rule.src.split('/')[0]);
    expect([...new Set(synced)].sort()).toEqual([...imageWorkspaces(service)].sort());
    expect(skaffold.manifests.rawYaml).toContain(`infra/k8s/${name}.yaml`);
  });

  test('when skaffold run -p prod builds, then it uses the compiled runtime stage, without sync', () => {
    const prod = skaffold.profiles.find((p: any) => p.name === 'prod');
    const artifact = prod.build.artifacts.find((a: any) => a.image === `ticketaka/${name}`);
    expect(artifact.docker).toEqual({ dockerfile: dockerfilePath(service), target: 'runtime' });
    expect(artifact.sync).toBeUndefined();
    expect(stages[stages.length - 1]).toBe('runtime');
  });

  test('when its image is built, then the runtime stage runs node as a numeric non-root user on a slim base, and the context lets in only its workspaces', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('AS runtime'));
    expect(dockerfile).toMatch(/^FROM node:20\.\d+-bookworm-slim AS runtime$/m);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^CMD \["node", /m);
    expect(runtime).not.toMatch(/tsx/);
    if (service.image.kind === 'node') {
      expect(dockerfile).toMatch(
        /^RUN npm ci --omit=dev( --workspace @ticketaka\/\S+)+ --include-workspace-root=false/m,
      );
    }
    const ignore = fs
      .readFileSync(path.join(repoRoot, `${dockerfilePath(service)}.dockerignore`), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const admitted = ignore.filter((l) => /^![^/]+\/$/.test(l)).map((l) => l.slice(1, -1));
    expect(admitted.sort()).toEqual([...imageWorkspaces(service)].sort());
    for (const other of serviceDefinitions.filter((s) => s.name !== name)) {
      expect(admitted).not.toContain(other.name);
    }
  });
});

test('when a Service selects pods, then some workload carries those labels', () => {
  const workloads = all
    .filter(({ doc }) => ['Deployment', 'StatefulSet'].includes(doc.kind))
    .map(({ doc }) => doc.spec.template.metadata.labels);
  for (const { file, doc } of all.filter(({ doc }) => doc.kind === 'Service')) {
    expect([
      file,
      workloads.some((labels) =>
        Object.entries(doc.spec.selector).every(([k, v]) => labels[k] === v),
      ),
    ]).toEqual([file, true]);
  }
});

test('when deployed, then JetStream fsyncs every write before acknowledging it, and PostgreSQL keeps fsync and synchronous commits on and waits for a synchronous replica', () => {
  const natsConfig = all.find(
    ({ doc }) => doc.kind === 'ConfigMap' && doc.metadata?.name === 'nats-config',
  )?.doc.data['nats.conf'] as string;
  expect(natsConfig).toMatch(/jetstream\s*\{[^}]*\bsync_interval:\s*always\b/);
  const cluster = all.find(({ doc }) => doc.kind === 'Cluster')?.doc;
  const parameters = cluster.spec.postgresql.parameters as Record<string, string>;
  for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes'])
    expect([setting, parameters[setting] ?? 'on (default)']).not.toEqual([setting, 'off']);
  expect(cluster.spec.postgresql.synchronous).toMatchObject({ dataDurability: 'required' });
  expect(cluster.spec.postgresql.synchronous.number).toBeGreaterThanOrEqual(1);
});

describe('the Ingress and the security check', () => {
  const ingresses = all.filter(({ doc }) => doc.kind === 'Ingress').map(({ doc }) => doc);
  const annotation = (doc: any, name: string) =>
    doc.metadata.annotations[`nginx.ingress.kubernetes.io/${name}`];

  test('when a route is checked, then a refusal reaches the client as the local gateway gives it: auth-url in ingress mode, its 500 re-asked from security', () => {
    const checked = ingresses.filter((doc) => annotation(doc, 'auth-url'));
    expect(checked.length).toBeGreaterThan(0);
    for (const doc of checked) {
      expect(annotation(doc, 'auth-url')).toMatch(
        /^http:\/\/security\.default\.svc\.cluster\.local:\d+\/internal\/check\?policy=[a-z]+&gateway=ingress$/,
      );
      expect(annotation(doc, 'auth-method')).toBe('GET');
      expect(annotation(doc, 'custom-http-errors')).toBe('500');
      expect(annotation(doc, 'default-backend')).toBe('security');
      expect(String(annotation(doc, 'auth-response-headers')).split(',')).toEqual(
        expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']),
      );
      // No snippet annotations: ingress-nginx disables them by default (they run arbitrary config).
      expect(Object.keys(doc.metadata.annotations).filter((k) => k.includes('snippet'))).toEqual(
        [],
      );
    }
  });

  test('when a route is exempt, then its Ingress neither asks security nor sends its errors there', () => {
    const exempt = ingresses.filter((doc) => !annotation(doc, 'auth-url'));
    expect(exempt.map((doc) => doc.metadata.name)).toContain('ticketaka-exempt');
    for (const doc of exempt) {
      expect(annotation(doc, 'custom-http-errors')).toBeUndefined();
      expect(annotation(doc, 'default-backend')).toBeUndefined();
    }
  });
});
