// `npm run gen:k8s -w infra`: writes every file derived from the service registrations.
import fs from 'node:fs';
import path from 'node:path';
import { ingressFile, renderIngressYaml } from '../gateway/ingress';
import {
  dockerfilePath,
  dockerignorePath,
  renderDockerfile,
  renderDockerignore,
} from '../images/dockerfile';
import { repoRoot } from '../paths';
import { serviceDefinitions } from '../services';
import { renderServiceYaml, renderSkaffoldYaml, serviceManifestPath } from './service-manifests';

/** Path (relative to the repository) → content, for the generator and the test that pins it. */
export function generatedFiles(): Record<string, string> {
  return {
    'skaffold.yaml': renderSkaffoldYaml(serviceDefinitions),
    [path.relative(repoRoot, ingressFile)]: renderIngressYaml(),
    ...Object.fromEntries(
      serviceDefinitions.flatMap((s) => [
        [serviceManifestPath(s), renderServiceYaml(s)],
        [dockerfilePath(s), renderDockerfile(s)],
        [dockerignorePath(s), renderDockerignore(s)],
      ]),
    ),
  };
}

if (require.main === module) {
  for (const [file, content] of Object.entries(generatedFiles())) {
    fs.writeFileSync(path.join(repoRoot, file), content);
    console.log(`wrote ${file}`);
  }
}
