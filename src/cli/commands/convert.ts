/**
 * `flowaudit convert TRACE.etl -o OUT.pcapng`: a pktmon or netsh ETW trace as pcapng, readable
 * by Wireshark/tshark and by every flowaudit command, on any OS (capture/etl/etl_to_pcapng.ts).
 * Exit 0 when packets were written; 2 when the trace is cut short (what was read is written) or
 * unreadable; 3 when it holds no packet events.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { convertEtlFile } from '../../capture/etl/etl_to_pcapng.js';
import { InputError, UsageError, messageOf } from '../../errors.js';
import type { Io } from '../io.js';
import { checkOutputPath } from '../output.js';
import { EXIT } from '../exit_codes.js';

export function registerConvert(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('convert')
    .description('write the packets of a Windows ETW trace (pktmon or netsh ETL) as pcapng: one interface per component, direction and drops as packet comments')
    .argument('<trace>', 'the .etl file that pktmon start --capture or netsh trace start capture=yes wrote')
    .requiredOption('-o, --output <file>', 'the pcapng file to write')
    .action((trace: string, flags: { output: string }) => {
      setExit(convertCommand(trace, flags.output, io));
    });
}

export function convertCommand(trace: string, output: string, io: Io): number {
  if (trace === '-') throw new UsageError('convert reads the trace twice (component names come last): give a file, not standard input');
  let isFile: boolean;
  try {
    isFile = statSync(trace).isFile();
  } catch (e) {
    throw new InputError(`${trace}: cannot open trace: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(e)}`);
  }
  if (!isFile) throw new InputError(`${trace}: not a file`);
  checkOutputPath(output);
  if (resolve(output) === resolve(trace)) throw new UsageError(`--output ${output}: is the trace itself`);
  const r = convertEtlFile(trace, output);
  const e = r.info.etl!;
  const parts: string[] = [];
  if (e.pktmonPackets + e.pktmonDrops > 0) parts.push(`${e.pktmonPackets} pktmon packet events and ${e.pktmonDrops} drop events`);
  if (e.ndisFragments > 0) parts.push(`${e.ndisPackets} netsh packets from ${e.ndisFragments} fragments`);
  const what = parts.length > 0 ? parts.join(', ') : 'no packet events';
  io.stderr(`${output}: ${r.packets} packets from ${trace} (${what}; ${e.buffers} buffers, ${e.compressedBuffers} compressed; Windows build ${e.build}) on ${r.interfaces} interfaces\n`);
  for (const w of r.info.warnings) io.stderr(`warning: ${trace}: ${w.message}\n`);
  // A cut trace: what was read is written, and the exit says the input was bad.
  if (r.info.truncated) return EXIT.error;
  if (r.packets === 0) {
    io.stderr(`${trace}: no packet events (Microsoft-Windows-PktMon or NDIS-PacketCapture) in the trace: was it captured with pktmon start --capture or netsh trace start capture=yes?\n`);
    return EXIT.inconclusive;
  }
  return EXIT.pass;
}
