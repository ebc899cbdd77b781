/** `flowaudit interfaces`: the capture devices libpcap offers, with their addresses and state. */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { interfaceUp, listDevices, loadCap, type LiveDevice } from '../../capture/live_source.js';
import { chooseLiveEngine, findEngine, missingEngine, parseEngineInterfaces, type EngineName } from '../../capture/engine_capture.js';
import { InputError, PermissionError } from '../../errors.js';
import { chooseFormat } from '../options.js';
import type { Io } from '../io.js';

export function registerInterfaces(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('interfaces')
    .description('list capture devices for `flowaudit live`, with addresses and whether each is up (exit 2 if live capture is unavailable)')
    .option('-f, --format <format>', 'text or json (default text)')
    .option('--engine <name>', 'list through cap, dumpcap, tshark or tcpdump (default: cap when it loads, else dumpcap, else tcpdump)')
    .action((flags: { format?: string; engine?: string }) => {
      setExit(interfacesCommand(flags, io));
    });
}

export function interfacesCommand(flags: { format?: string; engine?: string }, io: Io): number {
  const format = chooseFormat(flags.format, ['text', 'json'] as const, 'text');
  const engine = chooseLiveEngine(flags.engine, io.env);
  const devices = engine === 'cap' ? listDevices(loadCap()) : engineDevices(engine, io.env);
  if (format === 'json') {
    io.stdout(`${JSON.stringify(devices, null, 2)}\n`);
    return 0;
  }
  io.stdout(renderDevices(devices));
  return 0;
}

function state(d: LiveDevice): string {
  return d.up === null ? '-' : d.up ? 'up' : 'down';
}

export function renderDevices(devices: LiveDevice[]): string {
  const rows = devices.map((d) => [
    d.name,
    state(d),
    d.addresses.join(', ') || '-',
    [d.loopback ? 'loopback' : '', d.description ?? ''].filter(Boolean).join('; '),
  ]);
  const head = ['INTERFACE', 'STATE', 'ADDRESSES', 'NOTES'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** `dumpcap -D` / `tshark -D` / `tcpdump -D`, with the addresses Node sees for each device. */
function engineDevices(engine: EngineName, env: Record<string, string | undefined>): LiveDevice[] {
  const program = findEngine(engine, env);
  if (program === null) throw missingEngine(engine);
  const r = spawnSync(program, ['-D'], { encoding: 'utf8', timeout: 30_000, windowsHide: true });
  if (r.status !== 0) {
    const said = `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().split('\n').slice(-2).join(' / ');
    const message = `${engine} -D failed${said ? `: ${said}` : ''}`;
    throw /permission|not permitted/i.test(said) ? new PermissionError(message) : new InputError(message);
  }
  const addrs = networkInterfaces();
  return parseEngineInterfaces(r.stdout).map((d) => ({
    name: d.name,
    description: d.description,
    addresses: (addrs[d.name] ?? []).map((a) => a.address.split('%')[0]!),
    loopback: /loopback/i.test(d.description ?? '') || (addrs[d.name] ?? []).some((a) => a.internal),
    up: interfaceUp(d.name),
  }));
}
