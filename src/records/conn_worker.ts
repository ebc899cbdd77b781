/**
 * The parse worker of a large Zeek conn.log (conn_parallel.ts): it parses the units the main
 * thread hands it, in the order given, with the same LineFeeder, reader and aggregation as the main
 * thread, into a part of its own (FlowAggregates in part mode), and sends its counts and tuples back
 * when told the file has ended. Built into its own bundle, dist/connlog-worker.cjs (scripts/bundle.mjs).
 * Messages: { slot, len, line, header? } per unit (header: the Zeek header state when it changed),
 * then { end: true }; replies { state, part, named } or { error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ServerPorts } from '../flows/direction.js';
import { RecordCollector } from './collector.js';
import { feedUnit, type WorkerInit } from './conn_units.js';
import { LineFeeder } from './line_feeder.js';
import { RecordLogReader } from './read_log.js';
import type { ZeekHeaderState } from './zeek_row.js';

interface UnitMessage {
  end?: boolean;
  slot: number;
  len: number;
  line: number;
  header?: ZeekHeaderState;
}

function run(init: WorkerInit): void {
  const ports = new ServerPorts();
  ports.tcp.set(init.tcpPorts);
  ports.udp.set(init.udpPorts);
  const collector = new RecordCollector(ports, 'tuples', { historyLimit: init.historyLimit });
  const reader = new RecordLogReader(init.path, 'zeek-conn-tsv', collector);
  const feeder = new LineFeeder(reader, true, 'zeek-conn-tsv');
  const bufs = init.pool.map((b) => Buffer.from(b));
  const ctl = new Int32Array(init.ctl);
  const port = parentPort!;
  port.on('message', (m: UnitMessage) => {
    try {
      if (m.end) {
        port.postMessage({ state: reader.exportState(), part: collector.tuples!.exportPart(), named: collector.sni.size + collector.httpHost.size });
        return;
      }
      if (m.header) {
        reader.zeekHeader.restore(m.header);
        feeder.headerChanged();
      }
      feedUnit(bufs[m.slot]!, m.len, m.line, feeder);
      Atomics.store(ctl, m.slot, 0);
      Atomics.notify(ctl, m.slot);
    } catch (e) {
      port.postMessage({ error: String((e as Error)?.message ?? e) });
    }
  });
}

run(workerData as WorkerInit);
