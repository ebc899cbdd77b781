import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { isoMicros } from '../../audit/time.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { connectionCommunityId } from '../../flows/community_id.js';
import type { Connection } from '../../flows/connection.js';
import type { HintFacts } from '../../flows/hint_store.js';
import { safeCsvCast } from '../../report/csv_cell.js';
import type { Io } from '../io.js';
import { checkOutputPath } from '../output.js';
import { plural } from '../../report/labels.js';
import { chooseFormat, collectRepeat, loadPolicy } from '../options.js';
import { analyseFiles, checkCaptures, nothingReadable, resolveInputs } from '../pipeline.js';

const FORMATS = ['jsonl', 'csv'] as const;

/** Columns of the connection log (like Zeek's conn.log), in output order. */
export const FLOW_FIELDS = [
  'protocol', 'client', 'clientPort', 'server', 'serverPort',
  'packets', 'bytes', 'packetsToServer', 'packetsToClient', 'bytesToServer', 'bytesToClient',
  'firstSeen', 'lastSeen', 'state', 'outcome', 'directionBy', 'history', 'communityId', 'icmpType', 'icmpCode', 'byteBasis', 'sni', 'httpHost',
] as const;

/**
 * One line of the connection log. `names` (the run's hints) adds the TLS SNI and HTTP Host the
 * client sent, so a central audit of shipped flows keeps host-name roles (DNS answers stay behind).
 */
export function flowRecord(c: Connection, names?: HintFacts): Record<(typeof FLOW_FIELDS)[number], string | number | null> {
  return {
    protocol: c.protocol,
    client: c.client,
    clientPort: c.clientPort,
    server: c.server,
    serverPort: c.serverPort,
    packets: c.packets,
    bytes: c.bytes,
    packetsToServer: c.packetsToServer,
    packetsToClient: c.packetsToClient,
    bytesToServer: c.bytesToServer,
    bytesToClient: c.bytesToClient,
    firstSeen: isoMicros(c.firstSeen),
    lastSeen: isoMicros(c.lastSeen),
    state: c.state,
    outcome: c.outcome,
    directionBy: c.directionBy,
    history: c.history,
    /** Community ID v1 (null for SCTP and for aggregates of folded connections). */
    communityId: connectionCommunityId(c),
    icmpType: c.icmpType,
    icmpCode: c.icmpCode,
    byteBasis: c.byteBasis ?? 'frame',
    sni: (c.id >= 0 ? names?.sni.get(c.id) : undefined) ?? null,
    httpHost: (c.id >= 0 ? names?.httpHost.get(c.id) : undefined) ?? null,
  };
}

export function registerFlows(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('flows')
    .description('write the connection log: one line per connection, oriented client → server')
    .argument('<capture...>', 'pcap/pcapng captures or flow logs (Zeek conn.log, Suricata eve.json, flowaudit flows JSONL)')
    .option('-f, --format <format>', 'jsonl or csv (default: from the --output extension, else jsonl)')
    .option('-m, --matrix <spec>', "matrix whose ports count as likely server ports (default builtin:ams)", collectRepeat)
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (captures: string[], flags: { format?: string; output?: string; matrix?: string[] }) => {
      const format = chooseFormat(flags.format, FORMATS, 'jsonl', flags.output);
      if (flags.output !== undefined) checkOutputPath(flags.output); // before reading anything
      const { matrix } = loadPolicy(flags.matrix, undefined, []);
      checkCaptures(captures);
      const facts = await analyseFiles(resolveInputs(captures), serverPortsFor(matrix), { records: 'rows' });
      const unreadable = nothingReadable(facts);
      if (unreadable) {
        for (const m of unreadable) io.stderr(`flowaudit: ${m}\n`);
        setExit(2);
        return;
      }
      // Rendered and written in batches of 10,000 records, so a large capture never holds every
      // record (or the whole text) at once.
      let batch: ReturnType<typeof flowRecord>[] = [];
      let first = true;
      const flush = (): void => {
        const text =
          format === 'csv'
            ? stringify(batch, { header: first, columns: [...FLOW_FIELDS], cast: safeCsvCast, record_delimiter: 'unix' })
            : batch.map((r) => `${JSON.stringify(r)}\n`).join('');
        if (flags.output === undefined) io.stdout(text);
        else if (first) io.writeFile(flags.output, text);
        else io.appendFile(flags.output, text);
        first = false;
        batch = [];
      };
      let written = 0;
      facts.connections.forEach((c) => {
        written++;
        batch.push(flowRecord(c, facts.hints));
        if (batch.length === 10_000) flush();
      });
      if (batch.length > 0 || first) flush();
      if (flags.output !== undefined) io.stderr(`flowaudit: wrote ${plural(written, 'connection')} (${format}) to ${flags.output}\n`);
      // A flood's one-packet attempts folded while reading (flows/attempt_fold.ts) are not one line each: say so, per target.
      for (const a of facts.attempts ?? []) {
        io.stderr(`flowaudit: note: ${plural(a.connections, 'one-packet attempt')} (a SYN or datagram, nothing back) to ${a.server} ${a.protocol}/${a.port ?? '*'} from about ${Math.min(a.sources.estimate(), a.connections)} sources were folded while reading (beyond the table's budget) and are not listed one per line\n`);
      }
      const broken = facts.inputs.filter((i) => i.error);
      for (const i of broken) io.stderr(`flowaudit: ${i.error?.message}\n`);
      setExit(broken.length > 0 ? 2 : 0);
    });
}
