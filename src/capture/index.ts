export type {
  CaptureFormat,
  CaptureInfo,
  CaptureWarning,
  InterfaceInfo,
  PacketSource,
  RawPacket,
} from './source.js';
export { newRawPacket } from './source.js';
export { openCapture, openCaptureBytes } from './open_capture.js';
export type { OpenCaptureOptions } from './open_capture.js';
export { PcapWriter } from './pcap_writer.js';
export type { PcapWriterOptions } from './pcap_writer.js';
export { PcapngWriter } from './pcapng_writer.js';
export type { PcapngInterfaceOptions, PcapngWriterOptions } from './pcapng_writer.js';
