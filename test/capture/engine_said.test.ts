/**
 * The capture program's own reason, in one line, from what it printed on stderr: the line that
 * names the failure and the bracketed reason after it; tshark's configuration complaints (another
 * user's HOME) and dumpcap's advice paragraphs left out. Texts as dumpcap 4.0, tshark 4.0 and
 * tcpdump 4.99 print them on Debian 12.
 */
import { describe, expect, it } from 'vitest';
import { engineSaid } from '../../src/capture/engine_capture.js';

describe('engineSaid', () => {
  it.each([
    [
      'dumpcap, no privileges',
      'dumpcap',
      "Capturing on 'Loopback: lo'\ndumpcap: You do not have permission to capture on device \"lo\".\n(socket: Operation not permitted)\nPlease check to make sure you have sufficient permissions.\n\nOn Debian and Debian derivatives such as Ubuntu, if you have installed Wireshark from a package, try running\n\n    sudo dpkg-reconfigure wireshark-common\n",
      'dumpcap: You do not have permission to capture on device "lo". (socket: Operation not permitted)',
    ],
    ['dumpcap, no such device', 'dumpcap', 'Capturing on \'nosuch0\'\ndumpcap: There is no device named "nosuch0".\n(No such device exists)\n', 'dumpcap: There is no device named "nosuch0". (No such device exists)'],
    ['tcpdump, no privileges', 'tcpdump', "tcpdump: lo: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)\n", "tcpdump: lo: You don't have permission to perform this capture on that device (socket: Operation not permitted)"],
    [
      "tshark under another user's HOME",
      'tshark',
      "tshark: Error loading table 'Display Filter Macros': Permission denied\ntshark: Could not open your capture filter file\n\"/root/.config/wireshark/cfilters\": Permission denied.\nCapturing on 'Loopback: lo'\ntshark: You do not have permission to capture on device \"lo\".\n(socket: Operation not permitted)\n",
      'tshark: You do not have permission to capture on device "lo". (socket: Operation not permitted)',
    ],
    ['tshark, empty own line skipped', 'tshark', "Running as user \"root\" and group \"root\". This could be dangerous.\nCapturing on 'nosuch0'\ntshark: There is no device named \"nosuch0\".\n(No such device exists)\n\ntshark: \n0 packets captured\n", 'tshark: There is no device named "nosuch0". (No such device exists)'],
    ['something else: its last lines', 'dumpcap', 'first\nsecond\nthird\nfourth\n', 'second / third / fourth'],
  ])('%s', (_name, engine, stderr, said) => {
    expect(engineSaid(engine, stderr)).toBe(said);
  });
});
