'use strict';
/**
 * `node scripts/code_cache.cjs BUNDLE CACHE` (run by scripts/bundle.mjs): load the bundle as
 * bin/flowaudit.js does, run the bundled lab audit with it (JSON and text reports, into a temporary
 * directory), then write V8's code cache of everything that run compiled, behind the bundle's build
 * id. A run of bin/ then starts with that code compiled (bin/load.js).
 */
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { loadBundle } = require('../bin/load.js');

const [bundle, cacheFile] = process.argv.slice(2);
const root = join(__dirname, '..');
const { exports: cli, script, id } = loadBundle(bundle, '/nonexistent');
if (!id) throw new Error(`${bundle}: no build id on its first line`);
const dir = mkdtempSync(join(tmpdir(), 'flowaudit-code-cache-'));
const quiet = { ...cli.nodeIo(), stdout: () => {}, stderr: () => {}, stdoutIsTTY: false };
const lab = [join(root, 'fixtures', 'ams-lab.pcapng'), '--inventory', join(root, 'fixtures', 'ams-lab.inventory.json')];

(async () => {
  await cli.main(['audit', ...lab, '--format', 'json', '--output', join(dir, 'lab.json'), '--exit-zero'], quiet);
  await cli.main(['audit', ...lab, '--format', 'text', '--output', join(dir, 'lab.txt'), '--exit-zero'], quiet);
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(cacheFile, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
})().catch((e) => {
  rmSync(dir, { recursive: true, force: true });
  console.error(String(e && e.message ? e.message : e));
  process.exitCode = 1;
});
