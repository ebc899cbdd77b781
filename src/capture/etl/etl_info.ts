/** What an ETL input held, beyond the packets: reported in the JSON `inputs[].etl`. */

export interface EtlComponent {
  /** pktmon ComponentId (netsh: the miniport interface index). */
  id: number;
  name: string;
  description: string;
  type: string;
}

export interface EtlInputInfo {
  /** Windows build and logger that wrote the trace. */
  build: number;
  logger: string;
  clock: string;
  buffers: number;
  compressedBuffers: number;
  events: number;
  /** Packet events per provider. */
  pktmonPackets: number;
  pktmonDrops: number;
  ndisFragments: number;
  ndisPackets: number;
  /** Events of other providers (skipped), and events the reader could not use (with why, in warnings). */
  otherEvents: number;
  eventsLost: number;
  buffersLost: number;
  components: EtlComponent[];
  /** Set by the audit's ingest (flows/pktmon_etl.ts): per-component copies folded, and drops. */
  folded?: { component: number; name: string; copies: number }[];
  dropped?: { component: number; name: string; reason: number; reasonName: string; packets: number }[];
}
