/** What an ETL input held, beyond the packets: reported in the JSON `inputs[].etl`. */

export interface EtlComponent {
  /** pktmon ComponentId (netsh: the miniport interface index). */
  id: number;
  name: string;
  description: string;
  type: string;
}

export interface EtlDrop {
  /** Unix time of the drop, in µs. */
  ts: number;
  component: number;
  reason: number;
  reasonName: string;
  location: number;
  /** Offset of the packet in the file's decompressed buffer stream is not stable; the event's buffer offset. */
  bufferOffset: number;
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
}
