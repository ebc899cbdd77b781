#!/usr/bin/env node
/**
 * Build step after `tsc -p tsconfig.build.json` (npm run build, npm install via prepare, npm test):
 * bundle the CLI into one CommonJS file, dist/flowaudit.cjs, with esbuild, and write the V8 code
 * cache that bin/flowaudit.js loads it with (dist/flowaudit.cjs.cache). Issue 13's fixed cost:
 *
 * - One file instead of ~100 modules, and CommonJS rather than ES modules: Node 20's ES module
 *   loader decodes every module through TextDecoder, links each chunk, and builds each built-in's
 *   whole namespace on import (node:fs → fs.promises → the stream stack); `require` does none of it.
 *   (esbuild splits code only for ES modules, so the commands are not split: the code cache makes
 *   the size cheap.)
 * - Whitespace and syntax minified (names kept, for readable profiles): V8 pre-parses less.
 * - A V8 code cache made by running the bundled lab audit once (scripts/code_cache.cjs): the
 *   functions a run needs come compiled. V8 refuses a cache from another Node version or flags
 *   (then the bundle compiles as usual); a build id in both files stops a stale one being used.
 * - The JSON Schema validators are compiled here with ajv's standalone code generation, so a run
 *   neither loads ajv's compiler nor compiles a schema.
 * - commander's require of node:child_process (for executable subcommands, unused) becomes a
 *   proxy that loads it on first use: child_process pulls in net, dgram and streams (~10 ms).
 *
 * The bundle sits directly in dist/ so that paths relative to import.meta.url (../package.json for
 * the version, ../schema, the optional `cap` module from node_modules) resolve as from dist/*.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// 2. The bundle. Old outputs go first (earlier builds also wrote ES module chunks).
for (const f of readdirSync(dist)) if (/^flowaudit(-[A-Z0-9]+)?\.(js|cjs|cjs\.cache)$/i.test(f)) rmSync(join(dist, f));
const precompiledPlugin = {
  name: 'precompiled-validators',
  setup(b) {
    b.onResolve({ filter: /[/\\]precompiled\.js$/ }, (args) => (args.importer.endsWith('validate.ts') ? { path: generated } : undefined));
  },
};
const lazyChildProcessPlugin = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[/\\]commander[/\\]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'flowaudit-lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'flowaudit-lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
const buildId = randomBytes(8).toString('hex');
const bundle = join(dist, 'flowaudit.cjs');
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['cap'],
  // The sources are ES modules: their import.meta.url is the bundle's own URL.
  define: { 'import.meta.url': '__flowauditUrl' },
  banner: { js: `/* flowaudit-build:${buildId} */ var __flowauditUrl = require('node:url').pathToFileURL(__filename).href;` },
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [precompiledPlugin, lazyChildProcessPlugin],
  logLevel: 'warning',
});
rmSync(generated);
/** A small side bundle of its own (a worker or the launcher's prestart): only what it imports. */
const sideBundle = (entry, out) =>
  build({
    entryPoints: [join(root, 'src', ...entry)],
    outfile: join(dist, out),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__flowauditUrl' },
    banner: { js: `var __flowauditUrl = require('node:url').pathToFileURL(__filename).href;` },
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
// The hash worker's head start (src/cli/prestart.ts), which bin/flowaudit.js loads before the main bundle.
await sideBundle(['cli', 'prestart.ts'], 'prestart.cjs');
// The parse worker of a large Zeek conn.log (src/records/conn_parallel.ts): a worker loads only the record parsers.
await sideBundle(['records', 'conn_worker.ts'], 'connlog-worker.cjs');
// Plain ASCII (esbuild escapes non-ASCII characters in strings, but not in regular expressions): a
// single other character would make Node decode the bundle into a two-byte string, slower to read.
{
  const text = readFileSync(bundle, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${bundle}: non-ASCII character at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}): write it as an escape in the source`);
}

// 3. The code cache, from a real run of the bundle (the bundled lab audit).
const made = spawnSync(process.execPath, [join(root, 'scripts', 'code_cache.cjs'), bundle, `${bundle}.cache`], { cwd: root, encoding: 'utf8' });
if (made.status !== 0) {
  // Not fatal: bin/ runs the bundle without a cache, only slower to start.
  console.error(`bundle: no code cache (${(made.stderr || made.stdout || `exit ${made.status}`).trim()})`);
}
