/**
 * Issue 17: a merged report verifies untouched (its state files re-hashed, the merge re-run, the
 * captures behind them re-hashed when found) and fails after a change to either state file.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open_capture.js';
import { PcapngWriter } from '../../src/capture/pcapng_writer.js';
import { newRawPacket } from '../../src/capture/source.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

/** The lab split by time into two pcapng files. */
function splitLab(dir: string): [string, string] {
  const src = openCapture(LAB);
  const raw = newRawPacket();
  const pkts: { bytes: Uint8Array; wirelen: number; tsSec: number; tsNsec: number; linkType: number }[] = [];
  while (src.next(raw)) pkts.push({ bytes: raw.data.slice(raw.offset, raw.offset + raw.caplen), wirelen: raw.wirelen, tsSec: raw.tsSec, tsNsec: raw.tsNsec, linkType: raw.linkType });
  src.close();
  const mid = Math.floor(pkts.length / 2);
  const out: string[] = [];
  for (const [name, part] of [['first.pcapng', pkts.slice(0, mid)], ['second.pcapng', pkts.slice(mid)]] as const) {
    const path = join(dir, name);
    const w = PcapngWriter.toFile(path);
    const id = w.addInterface({ linkType: part[0]!.linkType, tsResolution: 'ns' });
    for (const p of part) w.writePacket(id, p.tsSec, p.tsNsec, p.bytes, 0, p.bytes.length, p.wirelen);
    w.close();
    out.push(path);
  }
  return out as [string, string];
}

async function mergedReport(format: 'json' | 'html' = 'json'): Promise<{ dir: string; states: string[]; report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fa-vmerge-'));
  const inv = join(dir, 'inv.json');
  copyFileSync(INV, inv);
  const states: string[] = [];
  for (const cap of splitLab(dir)) {
    const state = cap.replace('.pcapng', '.state.json');
    const r = await runCli(['audit', cap, '-i', inv, '--sensor', 'lab-tap', '--emit-state', state]);
    writeFileSync(state, r.files.get(state) as string);
    states.push(state);
  }
  const report = join(dir, `merged.${format}`);
  const m = await runCli(['merge', ...states, '-f', format, '-o', report]);
  expect(m.code).toBe(1);
  writeFileSync(report, m.files.get(report) as string);
  return { dir, states, report };
}

describe('verify a merged report', () => {
  it.each(['json', 'html'] as const)('an untouched merged %s report verifies: state files, captures, re-run', async (format) => {
    const { report, states } = await mergedReport(format);
    const v = await runCli(['verify', report]);
    expect(v.stderr).toBe('');
    expect(v.stdout).toContain('(' + format + ' report, merged)');
    for (const s of states) expect(v.stdout).toMatch(new RegExp(`state\\s+ok: ${s.replace(/[.]/g, '\\.')} sha256 [0-9a-f]{64}`));
    expect(v.stdout.match(/capture\s+ok:/g)).toHaveLength(2);
    expect(v.stdout).toContain('re-run     ok: the audit gives the same result (merge of 2 state files, de-duplication window 1 s)');
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it.each([0, 1])('a change to state file %i fails and names it', async (k) => {
    const { report, states } = await mergedReport();
    const s = states[k]!;
    writeFileSync(s, readFileSync(s, 'utf8').replace('"sensor":"lab-tap"', '"sensor":"lab-tap-2"'));
    const v = await runCli(['verify', report]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`state      CHANGED: ${s} sha256 is`);
    expect(v.stdout).toMatch(/re-run\s+DIFFERS/);
    expect(v.stdout).toContain(`NOT verified: state file ${s} does not match its recorded sha256`);
  });

  it('merge --evidence-dir packs the state files; verify DIR re-runs the merge from them', async () => {
    const { dir, states } = await mergedReport();
    const ev = join(dir, 'merged-evidence');
    const m = await runCli(['merge', ...states, '--evidence-dir', ev]);
    expect(m.code).toBe(1);
    const v = await runCli(['verify', ev]);
    expect(v.stdout).toMatch(/state\s+ok: .*merged-evidence\/first\.state\.json .*found beside the report by name/);
    expect(v.stdout).toContain('re-run     ok: the audit gives the same result (merge of 2 state files');
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it('moved to another folder with its state files (no captures): verified, saying the captures were not re-read', async () => {
    const { dir, report, states } = await mergedReport();
    const away = join(dir, 'handed-over');
    mkdirSync(away);
    for (const f of [report, ...states, join(dir, 'inv.json')]) renameSync(f, join(away, f.split('/').pop()!));
    renameSync(join(dir, 'first.pcapng'), join(dir, 'first.moved'));
    renameSync(join(dir, 'second.pcapng'), join(dir, 'second.moved'));
    const v = await runCli(['verify', join(away, 'merged.json')]);
    expect(v.stdout).toMatch(/state\s+ok: .*handed-over\/first\.state\.json .*found beside the report by name/);
    expect(v.stdout).toMatch(/capture\s+not re-read: .*first\.pcapng is not beside the report nor at its recorded path/);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });
});
