/**
 * One entry point for a host firewall file, whatever tool wrote it: sniffs the content (nft JSON
 * starts with `{"nftables"`; the Windows export is other JSON; iptables-save has a `*table` line) and hands it to
 * the parser. The seam the future `--firewall HOST=FILE` option will call.
 */
import { InputError } from '../errors.js';
import { parseIptablesSave } from './iptables_save.js';
import { parseNftJson } from './nft_json.js';
import { parseWindowsFirewallJson } from './windows_json.js';
import type { FirewallRuleset } from './ruleset.js';

export function parseFirewall(text: string, source: string): FirewallRuleset {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{') && /^\{\s*"nftables"/.test(head)) return parseNftJson(text, source);
  if (head.startsWith('{') || head.startsWith('[')) return parseWindowsFirewallJson(text, source);
  if (/^\*[A-Za-z]/m.test(text)) return parseIptablesSave(text, source);
  throw new InputError(`${source}: not a firewall export flowaudit reads (expected iptables-save output, nft -j list ruleset JSON or the Get-NetFirewallRule JSON of docs/segmentation.md)`);
}
