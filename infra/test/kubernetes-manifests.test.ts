import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generatedFiles } from '../src/kubernetes/generate';
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
});

describe.each(builtServices.map((s) => [s.name, s] as const))('the %s service', (name, service) => {
  const docs = all
    .filter(({ file }) => path.basename(file) === `${name}.yaml`)
    .map(({ doc }) => doc);
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const svc = docs.find((d) => d.kind === 'Service');
  const port = service.port;

  test('when deployed, then it has probes, resource limits, shared config and its port', () => {
    expect(deployment).toBeDefined();
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(`ticketaka/${name}`);
    expect(container.ports.map((p: any) => p.containerPort)).toContain(port);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(container.envFrom).toEqual(
      expect.arrayContaining([{ configMapRef: { name: 'ticketaka-config' } }]),
    );
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  test('when exposed, then its Service selects its pods on its port', () => {
    expect(svc).toBeDefined();
    expect(svc.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(port);
  });

  test('when skaffold builds, then it has an artifact with an existing Dockerfile and deploys its manifest', () => {
    const artifact = skaffold.build.artifacts.find((a: any) => a.image === `ticketaka/${name}`);
    expect(artifact).toBeDefined();
    expect(fs.existsSync(path.join(repoRoot, artifact.context, artifact.docker.dockerfile))).toBe(
      true,
    );
    expect(skaffold.manifests.rawYaml).toContain(`infra/k8s/${name}.yaml`);
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
