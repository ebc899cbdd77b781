/**
 * A throw-away clickhouse-server for the tests: config written to a temp dir, listening on
 * 127.0.0.1 only, HTTP and native ports chosen free, two shard databases (shard1, shard2) behind a
 * cluster `two_shards` for a Distributed table. Stopped (SIGTERM, then SIGKILL) in bounded time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface TestServer {
  http: number;
  /** The native protocol port (clickhouse-client --port). */
  tcp: number;
  url: string;
  /** Run SQL over HTTP; the response text. */
  sql(query: string, body?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startClickhouse(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowaudit-ch-'));
  const [http, tcp] = [await freePort(), await freePort()];
  const replica = (db: string): string => `<shard><replica><default_database>${db}</default_database><host>127.0.0.1</host><port>${tcp}</port></replica></shard>`;
  writeFileSync(
    join(dir, 'config.xml'),
    `<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host><http_port>${http}</http_port><tcp_port>${tcp}</tcp_port>
  <path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><format_schema_path>${dir}/fs/</format_schema_path>
  <users_config>${dir}/users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers><two_shards>${replica('shard1')}${replica('shard2')}</two_shards></remote_servers>
</yandex>`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<yandex><profiles><default></default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>`,
  );
  const child: ChildProcess = spawn('clickhouse-server', [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore', detached: false });
  const url = `http://127.0.0.1:${http}`;
  const sql = async (query: string, body?: string): Promise<string> => {
    const r = await fetch(`${url}/?query=${encodeURIComponent(query)}`, { method: 'POST', body: body ?? '' });
    const text = await r.text();
    if (!r.ok) throw new Error(`clickhouse: ${text.split('\n')[0]}`);
    return text;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await sql('SELECT 1');
      break;
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`clickhouse-server did not start: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { http, tcp, url, sql, stop };
}
