'use strict';
/**
 * Load the CLI bundle (dist/flowaudit.cjs, built by scripts/bundle.mjs) through V8's code cache
 * (dist/flowaudit.cjs.cache): what `require` does for a CommonJS file, plus the cached bytecode,
 * which spares a run compiling what it runs (issue 13's fixed cost). Node 20 has no compile cache
 * of its own (module.enableCompileCache came in Node 22).
 *
 * The cache starts with the build id that the bundle's first line carries; a cache from another
 * build is not used, and V8 itself refuses one from another Node version or flags. Without a
 * usable cache the bundle compiles as usual: only start-up is slower.
 */
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, resolve } = require('node:path');
const { Script } = require('node:vm');

const ID = /^\/\* flowaudit-build:([0-9a-f]{16}) \*\//;

/** @returns {{ exports: any, script: import('node:vm').Script, cache: 'none' | 'stale' | 'used' | 'rejected' }} */
function loadBundle(file, cacheFile) {
  file = resolve(file);
  const source = readFileSync(file, 'utf8');
  const id = ID.exec(source)?.[1];
  let cachedData;
  let cache = 'none';
  try {
    const bytes = readFileSync(cacheFile);
    if (id !== undefined && bytes.subarray(0, 16).toString('latin1') === id) cachedData = bytes.subarray(16);
    else cache = 'stale';
  } catch {
    // no cache: compile as usual
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  return { exports: mod.exports, script, cache, id };
}

module.exports = { loadBundle };
