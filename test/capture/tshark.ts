/** Run tshark on a file when it is installed (tests skip with a reason otherwise). */
import { spawnSync } from 'node:child_process';

export const tsharkMissing: string | false = (() => {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'tshark is not on PATH' : false;
})();

export interface TsharkFrame {
  /** frame.time_epoch as printed ("1700000000.123456789"). */
  time: string;
  len: number;
  capLen: number;
  /** frame.interface_id ('' for classic pcap). */
  iface: string;
}

/** Frames tshark reads from `path`, plus its stderr (e.g. "cut short in the middle of a packet"). */
export function tsharkFrames(path: string): { frames: TsharkFrame[]; stderr: string; status: number | null } {
  const r = spawnSync(
    'tshark',
    ['-n', '-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_id'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const frames = r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [time = '', len = '', capLen = '', iface = ''] = l.split('\t');
      return { time, len: Number(len), capLen: Number(capLen), iface };
    });
  return { frames, stderr: r.stderr, status: r.status };
}

/** Our (tsSec, tsNsec) printed like tshark's frame.time_epoch. */
export function epochString(tsSec: number, tsNsec: number): string {
  return `${tsSec}.${String(tsNsec).padStart(9, '0')}`;
}
