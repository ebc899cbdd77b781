/**
 * The ClickHouse input without a server: URL parsing, the columns file (only identifiers reach the
 * SQL), what the query filters on, and the commands that cannot take aggregated tuples.
 */
import { describe, expect, it } from 'vitest';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { buildQuery, parseColumnMap, ZEEK_COLUMNS } from '../../src/records/clickhouse/query.js';
import { parseClickhouseUrl } from '../../src/records/clickhouse/source.js';
import { runCli } from '../support/run_cli.js';

describe('clickhouse:// URLs', () => {
  it.each([
    ['clickhouse://127.0.0.1:8123/flows.conn', {}, { url: 'http://127.0.0.1:8123', database: 'flows', table: 'conn', username: 'default', password: '', shown: 'clickhouse://127.0.0.1:8123/flows.conn' }],
    ['clickhouse://u:p%40ss@db.example:9000/a.b', {}, { url: 'http://db.example:9000', username: 'u', password: 'p@ss', shown: 'clickhouse://db.example:9000/a.b' }],
    ['clickhouse://127.0.0.1/flows.conn', { CLICKHOUSE_USER: 'reader', CLICKHOUSE_PASSWORD: 'x' }, { url: 'http://127.0.0.1:8123', username: 'reader', password: 'x' }],
  ])('%s', (text, env, want) => {
    expect(parseClickhouseUrl(text, env)).toMatchObject(want);
  });
  it.each([['clickhouse://h:1/conn'], ['clickhouse://h:1/a.b;DROP'], ['clickhouse://h:1/a.b?x=1'], ['clickhouse://h:1/a-b.c']])('%s is refused', (text) => {
    expect(typeof parseClickhouseUrl(text, {})).toBe('string');
  });
});

describe('--columns', () => {
  it.each([
    [{ id_orig_h: 'SrcAddr; DROP TABLE x' }, /identifier/],
    [{ id_orig_h: 'a`b' }, /identifier/],
    [{ nonsense: 'x' }, /unknown fact/],
    [{ id_resp_p: null }, /needs a column/],
    [[], /JSON object/],
  ])('%j is refused', (json, why) => {
    expect(parseColumnMap(json)).toMatch(why);
  });
  it('maps onto the Zeek defaults', () => {
    expect(parseColumnMap({ id_orig_h: 'SrcAddr', history: null })).toMatchObject({ id_orig_h: 'SrcAddr', history: null, id_resp_h: 'id_resp_h' });
  });
});

describe('the query', () => {
  const base = { database: 'flows', table: 'conn', columns: ZEEK_COLUMNS, serverPorts: defaultServerPorts(), scope: null };
  it('groups in the server and filters on inventory intervals and the window', () => {
    const sql = buildQuery({ ...base, scope: { v4: [[167772162, 167772162]], v6: [['fd000000000000000000000000000010', 'fd000000000000000000000000000010']] }, since: 1772442000, until: 1772445600 });
    expect(sql).toContain('FROM `flows`.`conn`');
    expect(sql).toContain('GROUP BY h_o, h_r, pn, rp, okey, st, hist, opk > 0, rpk > 0');
    expect(sql).toContain('IPv4StringToNum(toString(`id_orig_h`)) = 167772162');
    expect(sql).toContain("unhex('fd000000000000000000000000000010')");
    expect(sql).toContain('>= 1772442000');
    expect(sql).toContain('< 1772445600');
  });
  it('scope all: no address filter', () => {
    expect(buildQuery(base)).not.toContain('IPv4StringToNum');
  });
  it('an identifier that slipped past the columns check still cannot reach the SQL', () => {
    expect(() => buildQuery({ ...base, table: 'conn; DROP' })).toThrow(/identifier/);
  });
});

describe('commands that need rows', () => {
  it.each([
    [['flows', 'clickhouse://127.0.0.1:1/flows.conn']],
    [['audit', 'clickhouse://127.0.0.1:1/flows.conn', '--flow-log-rows', '--inventory', 'fixtures/ams-lab.inventory.json']],
  ])('%j: one line, exit 2, before any connection', async (argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('aggregated tuples');
  });
});
