/** The report's `inputs[]` entry for one input: format, link types, window, drops, warnings, origin. */
import { linkTypeName } from '../decode/enums.js';
import type { CaptureFacts } from '../flows/facts.js';
import { recordInputWarnings } from './record_inputs.js';
import type { InputResult } from './result.js';
import { isoMicros } from './time.js';

export function inputResult(i: CaptureFacts['inputs'][number]): InputResult {
  const info = i.info;
  const linkTypes = info ? [...new Set(info.interfaces.map((f) => f.linkType))].sort((a, b) => a - b).map(linkTypeName) : [];
  let drops: InputResult['drops'] = null;
  if (info) {
    let ifDrop: number | null = null;
    let osDrop: number | null = null;
    for (const f of info.interfaces) {
      if (f.ifDrop !== undefined) ifDrop = (ifDrop ?? 0) + f.ifDrop;
      if (f.osDrop !== undefined) osDrop = (osDrop ?? 0) + f.osDrop;
    }
    if (ifDrop !== null || osDrop !== null) drops = { ifDrop, osDrop };
  }
  return {
    path: i.path,
    sha256: i.sha256,
    format: i.format,
    byteOrder: info?.byteOrder ?? null,
    version: info?.version ?? null,
    linkTypes,
    interfaces: info?.interfaces.length ?? 0,
    packets: i.packets,
    bytes: i.bytes,
    firstSeen: i.firstSeen === null ? null : isoMicros(i.firstSeen),
    lastSeen: i.lastSeen === null ? null : isoMicros(i.lastSeen),
    truncated: info?.truncated ?? false,
    warnings: info ? info.warnings.map((w) => ({ offset: w.offset, message: w.message })) : i.records ? recordInputWarnings(i.path, i.records) : [],
    error: i.error,
    drops,
    ...(info?.live ? { live: info.live } : {}),
    ...(info?.etl ? { etl: info.etl } : {}),
    byteBasis: i.byteBasis ?? (info ? 'frame' : null),
    ...(i.records ? { records: i.records } : {}),
    origin: i.origin ?? (i.format === 'live' ? 'live' : 'file'),
    compression: i.compression ?? null,
    storedBytes: i.storedBytes ?? null,
    copiesCollapsed: i.copiesCollapsed ?? null,
  };
}
