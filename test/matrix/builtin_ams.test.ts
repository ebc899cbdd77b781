/**
 * builtin:ams against the vendor table it was transcribed from. The seed table is re-parsed here,
 * row by row, so dropping or changing a row (or a rule drifting from its row) fails a test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { itShared, SHARED_DIR } from '../support/shared.js';
import { describe, expect, it } from 'vitest';
import { AMS_MATRIX } from '../../src/matrix/builtin/ams.js';
import { canonicalJson, sha256Hex } from '../../src/matrix/canonical_json.js';
import { compileMatrix, loadMatrix } from '../../src/matrix/load_matrix.js';
import type { MatrixRule, Protocol } from '../../src/matrix/types.js';

const SEED_COPY = new URL('./fixtures/ams-ports-seed.txt', import.meta.url);
const SEED_SHARED = join(SHARED_DIR, 'seed', '000_b80abea58aedb9de.txt');

interface SeedRow {
  row: number;
  source: string;
  destination: string;
  ports: string;
  description: string;
}

/** The markdown-ish table: header, `---|` separator, then `a | b | c | d |` rows. */
function parseSeed(text: string): SeedRow[] {
  const lines = text.split(/\r?\n/);
  const sep = lines.findIndex((l) => /^-{3}\|/.test(l));
  expect(sep).toBeGreaterThan(0);
  return lines
    .slice(sep + 1)
    .filter((l) => l.includes('|'))
    .map((l, i) => {
      const cells = l.split('|').map((c) => c.trim());
      if (cells[cells.length - 1] === '') cells.pop();
      expect(cells, `seed row ${i + 1}`).toHaveLength(4);
      const [source, destination, ports, description] = cells as [string, string, string, string];
      return { row: i + 1, source, destination, ports, description };
    });
}

/**
 * "LDAP TCP 389, CLDAP UDP 389" → [{tcp, 389}, {udp, 389}]. An item without TCP/UDP inherits the
 * protocol of the previous item in the cell ("RPC dynamic port range 49152-65535" after
 * "RPC Endpoint Mapper TCP 135"), else TCP ("RPC over SMB 445": SMB is TCP).
 */
function parsePortsCell(cell: string): { protocol: Protocol; port: string; label: string }[] {
  let previous: Protocol = 'tcp';
  return cell.split(',').map((item) => {
    const m = /^(.*?)\s*(?:\b(TCP|UDP)\s+)?(\d+(?:-\d+)?)$/.exec(item.trim());
    expect(m, `ports item ${JSON.stringify(item)}`).not.toBeNull();
    const protocol = m![2] ? (m![2].toLowerCase() as Protocol) : previous;
    previous = protocol;
    return { protocol, port: m![3]!, label: m![1]!.trim() };
  });
}

/** How the table's wording maps to role names. */
const ROLE_OF: Record<string, string> = {
  'AMS server': 'ams-server',
  'AMS Server': 'ams-server',
  'packages.lithnet.io': 'lithnet-updates',
  'graph.microsoft.com': 'microsoft-graph',
  'login.microsoftonline.com': 'microsoft-login',
  'The hostname specified in the issuer/authority field of the OIDC setup page': 'oidc-provider',
  'Active Directory Domain Controllers': 'domain-controller',
  'Active Directory Domain Controller Global Catalog Servers': 'global-catalog',
  'Active Directory DNS servers': 'dns-server',
  'SQL Database': 'sql-server',
  'JIT target computers': 'jit-target',
  'Windows domain-joined agent': 'domain-joined-agent',
  'Non-domain-joined agent': 'non-domain-agent',
  'Access Manager web-app users': 'web-user',
  'OpenID Connect Identity Provider': 'oidc-provider',
};

const seedText = readFileSync(SEED_COPY, 'utf8');
const seed = parseSeed(seedText);
const ams = loadMatrix('builtin:ams');

describe('seed table', () => {
  it('has 14 rows', () => {
    expect(seed).toHaveLength(14);
  });

  itShared(
    'the test copy is identical to shared/seed',
    () => {
      expect(readFileSync(SEED_SHARED, 'utf8')).toBe(seedText);
    },
    'seed/000_b80abea58aedb9de.txt',
  );

  it('the builtin version names the seed content hash', () => {
    expect(ams.version).toContain(sha256Hex(seedText).slice(0, 12));
  });
});

describe('builtin:ams', () => {
  it('has exactly 17 port-level rules, with unique ids and rows 1..14 in table order', () => {
    expect(ams.rules).toHaveLength(17);
    expect(new Set(ams.rules.map((r) => r.id)).size).toBe(17);
    const rows = ams.rules.map((r) => r.row!);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect([...new Set(rows)]).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });

  it('passes the same schema and semantic validation as a file', () => {
    expect(() => compileMatrix(structuredClone(AMS_MATRIX), 'ams.json', 'x')).not.toThrow();
  });

  it('is identified by origin builtin:ams and the sha256 of its canonical JSON', () => {
    expect(ams.origin).toBe('builtin:ams');
    expect(ams.sha256).toBe(sha256Hex(canonicalJson(AMS_MATRIX)));
    expect(ams.source).toContain('Ports and traffic flows');
    expect(ams.source).toContain('https://docs.lithnet.io/');
  });

  it('uses exactly the agreed role names, with default hosts', () => {
    expect(ams.roles.map((r) => r.name).sort()).toEqual(
      [
        'ams-server', 'domain-controller', 'global-catalog', 'dns-server', 'sql-server', 'jit-target',
        'domain-joined-agent', 'non-domain-agent', 'web-user', 'oidc-provider', 'lithnet-updates',
        'microsoft-graph', 'microsoft-login',
      ].sort(),
    );
    const hosts = Object.fromEntries(ams.roles.filter((r) => r.hosts).map((r) => [r.name, r.hosts]));
    expect(hosts).toEqual({
      'lithnet-updates': ['packages.lithnet.io'],
      'microsoft-graph': ['graph.microsoft.com'],
      'microsoft-login': ['login.microsoftonline.com'],
    });
  });

  it.each(seed.map((r) => [r.row, r] as const))('row %i maps to its rules', (row, s) => {
    const rules = ams.rules.filter((r) => r.row === row);
    const items = parsePortsCell(s.ports);
    expect(rules.map((r) => [r.protocol, r.ports])).toEqual(items.map((i) => [i.protocol, [i.port]]));
    for (const r of rules) {
      expect(r.description).toBe(s.description);
      expect(r.source).toBe(ROLE_OF[s.source]);
      expect(r.destination).toBe(ROLE_OF[s.destination]);
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.service).toBeTruthy();
    }
    // A host-name destination in the table is the role's default host.
    if (/^[a-z0-9.-]+\.[a-z]+$/.test(s.destination)) {
      expect(ams.roles.find((x) => x.name === rules[0]!.destination)!.hosts).toEqual([s.destination]);
    }
  });

  const expected: [string, number, Protocol, string, MatrixRule['requirement'], string?][] = [
    ['ams-update-check', 1, 'tcp', '443', 'optional'],
    ['ams-graph-api', 2, 'tcp', '443', 'conditional', 'azure-ad'],
    ['ams-graph-login', 3, 'tcp', '443', 'conditional', 'azure-ad'],
    ['ams-oidc-validation', 4, 'tcp', '443', 'conditional', 'oidc'],
    ['ams-ldap', 5, 'tcp', '389', 'required'],
    ['ams-cldap', 5, 'udp', '389', 'required'],
    ['ams-global-catalog', 6, 'tcp', '3268', 'required'],
    ['ams-rpc-epm', 7, 'tcp', '135', 'required'],
    ['ams-rpc-dynamic', 7, 'tcp', '49152-65535', 'required'],
    ['ams-dns', 8, 'udp', '53', 'required'],
    ['ams-sql', 9, 'tcp', '1433', 'conditional', 'external-sql'],
    ['ams-jit-smb', 10, 'tcp', '445', 'optional'],
    ['agent-ldap', 11, 'tcp', '389', 'required'],
    ['agent-ams-api', 12, 'tcp', '443', 'required'],
    ['web-http', 13, 'tcp', '80', 'required'],
    ['web-https', 13, 'tcp', '443', 'required'],
    ['web-oidc-login', 14, 'tcp', '443', 'conditional', 'oidc'],
  ];
  it.each(expected)('%s: row %i %s/%s %s %s', (id, row, protocol, port, requirement, feature) => {
    const r = ams.rules.find((x) => x.id === id)!;
    expect(r).toBeDefined();
    expect([r.row, r.protocol, r.ports, r.requirement, r.feature]).toEqual([row, protocol, [port], requirement, feature]);
  });

  it('rules are listed in the order of the table above', () => {
    expect(ams.rules.map((r) => r.id)).toEqual(expected.map((e) => e[0]));
  });
});
