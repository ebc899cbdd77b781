#!/usr/bin/env node
/**
 * Build step after `tsc -p tsconfig.build.json` (npm run build, npm install via prepare, npm test):
 * bundle the CLI into dist/flowaudit.js (+ dist/flowaudit-*.js chunks loaded on demand) with
 * esbuild, which bin/flowaudit.js runs. One file instead of ~100 modules cuts Node's start-up
 * module loading; the JSON Schema validators are compiled here with ajv's standalone code
 * generation, so a run neither loads ajv's compiler nor compiles a schema.
 *
 * The bundle sits directly in dist/ so that paths relative to import.meta.url (../package.json for
 * the version, ../schema, the optional `cap` module from node_modules) resolve as from dist/*.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

// 1. Validators: ajv standalone code for the shipped schemas, with the options validate.ts uses.
const { AJV_OPTIONS, loadSchema } = await import(join(dist, 'matrix', 'validate.js'));
const Ajv = require('ajv').default;
const standaloneCode = require('ajv/dist/standalone').default;
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
const ids = {};
for (const name of ['matrix', 'inventory']) {
  const schema = loadSchema(name);
  ajv.addSchema(schema);
  ids[name] = schema.$id;
}
const generated = join(dist, '.precompiled-validators.mjs');
writeFileSync(generated, `${standaloneCode(ajv, ids)}\nexport const precompiled = { matrix, inventory };\n`);

// 2. The bundle. Old chunks go first (their names carry a content hash).
for (const f of readdirSync(dist)) if (/^flowaudit(-[A-Z0-9]+)?\.js$/i.test(f)) rmSync(join(dist, f));
const precompiledPlugin = {
  name: 'precompiled-validators',
  setup(b) {
    b.onResolve({ filter: /[/\\]precompiled\.js$/ }, (args) => (args.importer.endsWith('validate.ts') ? { path: generated } : undefined));
  },
};
await build({
  entryPoints: { flowaudit: join(root, 'src', 'cli', 'main.ts') },
  outdir: dist,
  chunkNames: 'flowaudit-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['cap'],
  // commander and ajv's runtime are CommonJS: give the ESM bundle a `require`.
  banner: { js: "import { createRequire as __flowauditCreateRequire } from 'node:module'; const require = __flowauditCreateRequire(import.meta.url);" },
  plugins: [precompiledPlugin],
  logLevel: 'warning',
});
rmSync(generated);
