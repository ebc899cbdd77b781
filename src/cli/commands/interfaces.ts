/** `flowaudit interfaces`: the capture devices libpcap offers, with their addresses and state. */
import type { Command } from 'commander';
import { listDevices, loadCap, type LiveDevice } from '../../capture/live_source.js';
import { chooseFormat } from '../options.js';
import type { Io } from '../io.js';

export function registerInterfaces(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('interfaces')
    .description('list capture devices for `flowaudit live`, with addresses and whether each is up (exit 2 if live capture is unavailable)')
    .option('-f, --format <format>', 'text or json', 'text')
    .action((flags: { format?: string }) => {
      setExit(interfacesCommand(flags, io));
    });
}

export function interfacesCommand(flags: { format?: string }, io: Io): number {
  const format = chooseFormat(flags.format, ['text', 'json'] as const, 'text');
  const devices = listDevices(loadCap());
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
