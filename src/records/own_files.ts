/**
 * Files flowaudit itself writes, or reads as policy, recognised by their first bytes (issue 20): an
 * evidence folder holds the captures beside the inventory and old reports. Such a file is never
 * evidence; when a directory is audited it is skipped with a note that says what it is, and when
 * named on the command line the error says what it is and where it belongs.
 */

/** What the head of a file says it is, e.g. "a flowaudit report (JSON)", or null. */
export function flowauditFileKind(head: string): string | null {
  const top = head.slice(0, 4096);
  // Text only: a capture's payload may quote any of these, but a capture never starts with `{` or `<!`.
  if (/^\s*<!DOCTYPE html>/i.test(top)) return /<meta name="generator" content="flowaudit /.test(top) ? 'a flowaudit report (HTML), not evidence' : null;
  if (!/^\s*\{/.test(top)) return null;
  if (/"schema"\s*:\s*"flowaudit\/audit@\d+"/.test(top)) return 'a flowaudit report (JSON), not evidence';
  if (/"schema"\s*:\s*"flowaudit\/state@\d+"/.test(top)) return 'a flowaudit state file (audit --emit-state); give it to flowaudit merge';
  if (/^\s*\{"@timestamp"/.test(top) && /"module"\s*:\s*"flowaudit"/.test(top)) return 'a flowaudit report (ECS JSON Lines), not evidence';
  const key = (k: string): boolean => new RegExp(`^\\s{0,4}"${k}"\\s*:`, 'm').test(top);
  if (key('rules') && key('roles')) return 'a flow matrix file; give it with --matrix';
  if (key('roles') && (key('names') || key('features') || key('discovered') || key('description') || /^\s*\{\s*"roles"/.test(top))) {
    return 'a flowaudit inventory; give it with --inventory';
  }
  return null;
}
