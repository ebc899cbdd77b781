/**
 * `live --write FILE`: the evidence is pcapng whatever the engine. dumpcap and tshark write pcapng
 * themselves (their stream is kept byte for byte, LiveEngine.ownEvidence); for cap, tcpdump (pcap),
 * pktmon and netsh (ETL) flowaudit writes every packet it received to a pcapng file, with one
 * interface per (interface, link type) the engine delivered, named as the engine named it, and the
 * capture interface's own addresses (they let `discover` recognise the machine it ran on).
 */
import { release, type } from 'node:os';
import { interfaceAddresses } from '../../capture/live_source.js';
import type { LiveEngine } from '../../capture/live_engine.js';
import { PcapngWriter } from '../../capture/pcapng_writer.js';
import type { RawPacket } from '../../capture/source.js';
import { InputError, messageOf } from '../../errors.js';
import { sha256FilesInBackground } from '../../inputs/file_hash.js';
import { VERSION } from '../../version.js';

export interface EvidenceRecord {
  path: string;
  packets: number;
  bytes: number;
  sha256: string | null;
}

export class EvidenceWriter {
  private readonly writer: PcapngWriter;
  /** `${interfaceId}/${linkType}` → pcapng interface id. */
  private readonly ids = new Map<string, number>();

  private constructor(
    readonly path: string,
    private readonly engine: LiveEngine,
    private readonly filter: string,
  ) {
    try {
      this.writer = PcapngWriter.toFile(path, { userAppl: `flowaudit ${VERSION}`, os: `${type()} ${release()}` });
    } catch (e) {
      throw new InputError(`${path}: cannot write the evidence file: ${messageOf(e)}`);
    }
    for (const i of engine.info.interfaces) this.interfaceFor(i.index, i.linkType);
  }

  /** A writer when the evidence is ours to write (null when the engine keeps its own pcapng stream). */
  static forEngine(path: string | undefined, engine: LiveEngine, filter: string): EvidenceWriter | null {
    if (path === undefined || engine.ownEvidence !== null) return null;
    return new EvidenceWriter(path, engine, filter);
  }

  private interfaceFor(interfaceId: number, linkType: number): number {
    const key = `${interfaceId}/${linkType}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      const known = this.engine.info.interfaces.find((i) => i.index === interfaceId);
      const name = known?.name ?? this.engine.device;
      id = this.writer.addInterface({
        linkType,
        snapLen: known?.snapLen ?? 0,
        name,
        ...(known?.description !== undefined ? { description: known.description } : {}),
        ...(this.filter ? { filter: this.filter } : {}),
        tsResolution: 'ns',
        ...(name === this.engine.device ? { addresses: interfaceAddresses(name) } : {}),
      });
      this.ids.set(key, id);
    }
    return id;
  }

  write(pkt: RawPacket): void {
    const id = this.interfaceFor(pkt.interfaceId, pkt.linkType);
    this.writer.writePacket(id, pkt.tsSec, pkt.tsNsec, pkt.data, pkt.offset, pkt.caplen, pkt.wirelen);
  }

  close(): void {
    this.writer.close();
  }

  /** The file as written, hashed by reading it back once it is closed. */
  async record(): Promise<EvidenceRecord> {
    const h = (await sha256FilesInBackground([this.path])).get(this.path);
    return { path: this.path, packets: this.writer.packets, bytes: this.writer.bytesWritten, sha256: h && 'sha256' in h ? h.sha256 : null };
  }
}

/** What the report records as the evidence file: ours, the engine's own stream, or none (not kept). */
export async function evidenceRecord(write: string | undefined, writer: EvidenceWriter | null, engine: LiveEngine): Promise<EvidenceRecord | null> {
  if (write === undefined) return null;
  if (writer !== null) return writer.record();
  const own = engine.ownEvidence;
  return { path: write, packets: engine.packets, bytes: own?.bytes ?? 0, sha256: own?.sha256 ?? null };
}
