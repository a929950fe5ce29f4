// @ts-check
// Compiles workspaces' TypeScript to JavaScript for a production image:
//   node infra/scripts/compile-service.js <out-dir> <workspace>...
// The output mirrors the repository (`<workspace>/src/**/*.js` where the `.ts` was, SQL and JSON
// files beside them, each workspace's package.json with its entry points moved from .ts to .js),
// so every path a service computes from `__dirname` (migrations, seeds, its service.json) holds
// unchanged in the image. Type errors fail the build. Plain JavaScript: it runs in the image's
// build stage, where only the workspaces being built and the root's dev tools are installed.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..');
const [outDir, ...workspaces] = process.argv.slice(2);
if (!outDir || workspaces.length === 0) {
  console.error('usage: compile-service.js <out-dir> <workspace>...');
  process.exit(2);
}

/** Files under dir, skipping test helpers (`src/testing`), which never run in production. */
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : walk(full);
    return [full];
  });
}

const sources = workspaces.flatMap((w) => walk(path.join(root, w, 'src')));
const base = ts.readConfigFile(path.join(root, 'tsconfig.base.json'), ts.sys.readFile);
if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
const { options } = ts.parseJsonConfigFileContent(
  {
    ...base.config,
    compilerOptions: {
      ...base.config.compilerOptions,
      noEmit: false,
      outDir: path.resolve(outDir),
      rootDir: root,
      types: ['node'],
      declaration: false,
      incremental: false,
    },
  },
  ts.sys,
  root,
);
const program = ts.createProgram(
  sources.filter((f) => f.endsWith('.ts')),
  options,
);
const result = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
if (diagnostics.length > 0) {
  console.error(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    }),
  );
  process.exit(1);
}

const copy = (from) => {
  const to = path.join(outDir, path.relative(root, from));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
};
for (const file of sources.filter((f) => !f.endsWith('.ts'))) copy(file);

/** `src/index.ts` → `src/index.js` in main and in every exports target. */
const toJs = (value) =>
  typeof value === 'string'
    ? value.replace(/\.ts$/, '.js')
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJs(v)]))
      : value;
for (const w of workspaces) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, w, 'package.json'), 'utf8'));
  delete pkg.types;
  delete pkg.devDependencies;
  if (pkg.main) pkg.main = toJs(pkg.main);
  if (pkg.exports) pkg.exports = toJs(pkg.exports);
  fs.mkdirSync(path.join(outDir, w), { recursive: true });
  fs.writeFileSync(path.join(outDir, w, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const registration = path.join(root, w, 'service.json');
  if (fs.existsSync(registration)) copy(registration);
}
console.log(`compiled ${workspaces.join(', ')} to ${outDir}`);
