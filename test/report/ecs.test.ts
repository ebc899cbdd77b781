/**
 * --format ecs: every event validates against the Elastic Common Schema types of the fields it
 * uses. The schema below is a small hand-written subset of ECS 8.11 (field types from the ECS
 * field reference: keyword → string, long → integer, ip → IPv4/IPv6 text, date → ISO 8601; the
 * allowed values of event.kind / category / type / outcome, and the network category's allowed
 * types). ECS objects refuse unknown fields, so a misspelt ECS field fails; custom data must go
 * under `flowaudit`.
 */
import AjvModule from 'ajv';
import { isIP } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

const keyword = { type: 'string', minLength: 1 };
const keywords = { anyOf: [keyword, { type: 'array', items: keyword, minItems: 1 }] };
const long = { type: 'integer' };
const date = { type: 'string', format: 'ecs-date' };
const ip = { type: 'string', format: 'ip' };
const port = { type: 'integer', minimum: 0, maximum: 65535 };
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });

// ECS 8.11 allowed values (https://www.elastic.co/guide/en/ecs/8.11/ecs-allowed-values-event-*.html).
const KINDS = ['alert', 'asset', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal'];
const CATEGORIES = ['api', 'authentication', 'configuration', 'database', 'driver', 'email', 'file', 'host', 'iam', 'intrusion_detection', 'library', 'malware', 'network', 'package', 'process', 'registry', 'session', 'threat', 'vulnerability', 'web'];
const TYPES = ['access', 'admin', 'allowed', 'change', 'connection', 'creation', 'deletion', 'denied', 'end', 'error', 'group', 'indicator', 'info', 'installation', 'protocol', 'start', 'user'];
const NETWORK_TYPES = ['access', 'allowed', 'connection', 'denied', 'end', 'info', 'protocol', 'start'];

const SCHEMA = obj(
  {
    '@timestamp': date,
    ecs: obj({ version: keyword }, ['version']),
    event: obj(
      {
        kind: { enum: KINDS },
        category: { type: 'array', items: { enum: CATEGORIES }, minItems: 1 },
        type: { type: 'array', items: { enum: TYPES }, minItems: 1 },
        outcome: { enum: ['failure', 'success', 'unknown'] },
        action: keyword,
        module: keyword,
        dataset: keyword,
        reason: keyword,
        created: date,
        start: date,
        end: date,
      },
      ['kind', 'category', 'type', 'action', 'module', 'dataset'],
    ),
    observer: obj({ vendor: keyword, product: keyword, type: keyword, version: keyword, name: keywords, hostname: keyword }),
    source: obj({ ip, port }, ['ip']),
    destination: obj({ ip, port }, ['ip']),
    network: obj({ transport: keyword, iana_number: keyword, type: { enum: ['ipv4', 'ipv6'] }, packets: long, bytes: long, community_id: keywords }),
    related: obj({ ip: { type: 'array', items: ip, minItems: 1 } }),
    rule: obj(
      { id: keyword, name: keyword, description: keyword, category: keyword, ruleset: keyword, version: keyword, reference: keyword },
      ['id', 'name', 'ruleset', 'version'],
    ),
    flowaudit: { type: 'object' },
  },
  ['@timestamp', 'ecs', 'event', 'observer', 'flowaudit'],
);

// ajv is CommonJS: its class is the default export's `default` under NodeNext (as src/matrix/validate.ts does).
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as unknown as new (o: object) => import('ajv').default)({ allErrors: true });
ajv.addFormat('ip', (s: string) => isIP(s) !== 0);
ajv.addFormat('ecs-date', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(s));
const compiled = ajv.compile(SCHEMA);
const validate = (x: unknown): boolean => compiled(x) as boolean;

type Event = Record<string, any>;

function check(lines: string): Event[] {
  const events = lines.trim().split('\n').map((l) => JSON.parse(l) as Event);
  for (const e of events) {
    if (!validate(e)) throw new Error(`${ajv.errorsText(compiled.errors)} in ${JSON.stringify(e).slice(0, 300)}`);
    if (e.event.category.includes('network')) for (const t of e.event.type) expect(NETWORK_TYPES).toContain(t);
  }
  return events;
}

describe('--format ecs', () => {
  it('the lab: a verdict event, the failed and partial rules, one alert per unexpected group; all valid ECS', async () => {
    const r = await runCli(['audit', LAB, '-i', INV, '-f', 'ecs']);
    expect(r.code).toBe(1);
    const events = check(r.stdout);
    const json = JSON.parse((await runCli(['audit', LAB, '-i', INV, '-f', 'json'])).stdout);
    expect(events[0]!.event).toMatchObject({ kind: 'state', action: 'audit-verdict', outcome: 'failure' });
    const findings = json.rules.filter((x: { status: string }) => ['failed', 'partial', 'missing'].includes(x.status));
    expect(events.filter((e) => e.rule).map((e) => [e.rule.id, e.event.action])).toEqual(findings.map((x: { id: string; status: string }) => [x.id, `rule-${x.status}`]));
    const failed = events.find((e) => e.rule?.id === 'ams-global-catalog')!;
    expect(failed.event).toMatchObject({ kind: 'alert', outcome: 'failure', action: 'rule-failed' });
    expect(failed.rule).toMatchObject({ ruleset: json.matrix.name, version: json.matrix.sha256, category: 'required' });
    const unexpected = events.filter((e) => e.event.action === 'unexpected-flow');
    expect(unexpected).toHaveLength(json.unexpected.length);
    for (const [k, g] of json.unexpected.entries()) {
      const e = unexpected[k]!;
      expect(e.event).toMatchObject({ kind: 'alert', category: ['network'], type: ['connection', 'denied'] });
      expect(e.rule).toBeUndefined();
      expect([e.source.ip, e.destination.ip, e.flowaudit.connections]).toEqual([g.client, g.server, g.connections]);
      expect(e.network.community_id).toEqual(g.communityIds.length === 1 ? g.communityIds[0] : g.communityIds);
    }
    // The Community IDs are the ones `flows` gives the same connections.
    const flows = (await runCli(['flows', LAB])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ssh = unexpected.find((e) => e.destination.port === 22)!;
    expect(flows.filter((f) => f.serverPort === 22 && f.server === ssh.destination.ip).map((f) => f.communityId)).toEqual([ssh.network.community_id]);
  });

  it('a missing rule is a state event; a merged report names its sensors as observers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-ecs-'));
    const state = join(dir, 'a.json');
    // An SQL server in the inventory and the external-sql feature on: the lab never talks to it, so ams-sql is missing.
    const inv = JSON.parse(readFileSync(INV, 'utf8'));
    inv.roles['sql-server'] = ['10.0.0.50'];
    const invPath = join(dir, 'inventory.json');
    writeFileSync(invPath, JSON.stringify(inv));
    const a = await runCli(['audit', LAB, '-i', invPath, '--features', 'external-sql', '--sensor', 'site-a', '--emit-state', state]);
    writeFileSync(state, a.files.get(state) as string);
    const r = await runCli(['merge', state, '-f', 'ecs']);
    const events = check(r.stdout);
    const missing = events.filter((e) => e.event.action === 'rule-missing');
    expect(missing.map((e) => e.rule.id)).toEqual(['ams-sql']);
    for (const e of missing) {
      expect(e.event).toMatchObject({ kind: 'state', type: ['info'] });
      expect(e.event.reason).toMatch(/windows the sensors covered \(site-a /);
    }
    for (const e of events) expect(e.observer.name).toBe('site-a');
  });

  it('the schema refuses what ECS does not allow (the test can fail)', () => {
    const ok = check((`{"@timestamp":"2026-03-02T09:00:00.000000Z","ecs":{"version":"8.11.0"},"event":{"kind":"alert","category":["network"],"type":["connection"],"action":"x","module":"m","dataset":"d"},"observer":{},"flowaudit":{}}`));
    expect(ok).toHaveLength(1);
    for (const bad of [
      { event: { ...ok[0]!.event, kind: 'finding' } },
      { event: { ...ok[0]!.event, category: 'network' } },
      { source: { ip: 'dc1' } },
      { destination: { ip: '10.0.0.1', port: 70000 } },
      { network: { comunity_id: 'x' } },
    ]) expect(validate({ ...ok[0], ...bad })).toBe(false);
  });
});
