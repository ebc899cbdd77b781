/**
 * Watch events to a syslog collector (syslog_format.ts builds each message):
 * - UDP (RFC 5426): one message per datagram, at most UDP_MAX_BYTES (8192, rsyslog's default
 *   maxMessageSize); a longer one is cut at a character boundary and ends with
 *   ` [flowaudit: truncated, N bytes in full]`, so the reader knows the JSON is incomplete.
 * - TCP (RFC 6587 octet counting: `LEN SP MESSAGE`): connects on first use, reconnects after a
 *   failure (1 s, doubling to 30 s); while the peer is down, up to `maxQueue` messages wait, and
 *   later ones are dropped and counted; what is still queued at close() is counted too.
 * Nothing here throws into watch: a send error is a dropped event.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, Socket } from 'node:net';
import { hostname } from 'node:os';
import { messageOf } from '../../errors.js';
import type { EventSink, SinkOptions } from './event_sink.js';
import { cutUtf8, FACILITY_LOCAL0, formatSyslog, type SyslogHeader } from './syslog_format.js';

export const UDP_MAX_BYTES = 8192;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
const FLUSH_CONNECT_MS = 2000;
const FLUSH_WAIT_MS = 5000;
/** At most this much waits in the TCP socket's own buffer; the rest stays in the bounded queue. */
const SOCKET_BUFFER_BYTES = 256 << 10;

export class SyslogSink implements EventSink {
  readonly name: string;
  private drops = 0;
  lastError: string | null = null;
  private readonly header: SyslogHeader;
  private readonly maxQueue: number;
  private readonly queue: Buffer[] = [];
  private udp: UdpSocket | null = null;
  private udpPending = 0;
  private tcp: Socket | null = null;
  private connected = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private connecting: Promise<boolean> | null = null;
  private drainArmed = false;

  constructor(
    private readonly transport: 'udp' | 'tcp',
    private readonly host: string,
    private readonly port: number,
    opts: SinkOptions,
  ) {
    this.name = `syslog+${transport}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
    this.header = { hostname: hostname(), appName: opts.appName ?? 'flowaudit', procId: String(process.pid), facility: FACILITY_LOCAL0 };
    this.maxQueue = opts.maxQueue ?? 1000;
  }

  get dropped(): number {
    return this.drops;
  }

  write(event: Record<string, unknown>): void {
    if (this.closed) {
      this.drops++;
      return;
    }
    try {
      const { header, msg } = formatSyslog(event, this.header);
      if (this.transport === 'udp') this.sendUdp(header, msg);
      else this.sendTcp(Buffer.from(header + msg, 'utf8'));
    } catch (e) {
      this.drops++; // an event JSON cannot express (a BigInt, a cycle): counted, never thrown into watch
      this.lastError = messageOf(e);
    }
  }

  /** Delivers what waits, for at most a few seconds: a peer that is down or stuck does not hold watch. */
  async flush(): Promise<void> {
    if (this.transport === 'udp') return this.udpSettled();
    if (this.queue.length > 0 && !this.connected) await this.connectOnce(FLUSH_CONNECT_MS);
    const until = Date.now() + FLUSH_WAIT_MS;
    for (;;) {
      this.drain();
      const sock = this.tcp;
      if (!sock || !this.connected || (this.queue.length === 0 && sock.writableLength === 0) || Date.now() >= until) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        sock.once('drain', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.drops += this.queue.length;
    this.queue.length = 0;
    const sock = this.tcp;
    if (sock) await new Promise<void>((resolve) => sock.end(resolve));
    this.tcp = null;
    this.udp?.close();
    this.udp = null;
  }

  private sendUdp(header: string, msg: string): void {
    let text = header + msg;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > UDP_MAX_BYTES) {
      const note = ` [flowaudit: truncated, ${bytes} bytes in full]`;
      text = cutUtf8(text, UDP_MAX_BYTES - Buffer.byteLength(note)) + note;
    }
    if (!this.udp) {
      this.udp = createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
      this.udp.on('error', (e) => {
        this.lastError = messageOf(e);
      });
      this.udp.unref();
    }
    if (this.udpPending >= this.maxQueue) {
      this.drops++;
      return;
    }
    this.udpPending++;
    this.udp.send(Buffer.from(text, 'utf8'), this.port, this.host, (err) => {
      this.udpPending--;
      if (err) {
        this.drops++;
        this.lastError = messageOf(err);
      }
    });
  }

  private async udpSettled(): Promise<void> {
    for (let i = 0; i < 200 && this.udpPending > 0; i++) await new Promise((r) => setTimeout(r, 5));
  }

  private sendTcp(message: Buffer): void {
    const frame = Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
    if (this.queue.length >= this.maxQueue) {
      this.drops++;
      return;
    }
    this.queue.push(frame);
    if (this.connected) this.drain();
    else if (!this.tcp && !this.retryTimer) this.connect();
  }

  /**
   * Writes queued frames to the connected socket while its own buffer is under SOCKET_BUFFER_BYTES:
   * a collector that reads slowly leaves the rest in the bounded queue, not in Node's unbounded one.
   */
  private drain(): void {
    const sock = this.tcp;
    if (!this.connected || !sock) return;
    while (this.queue.length > 0 && sock.writableLength < SOCKET_BUFFER_BYTES) sock.write(this.queue.shift()!);
    if (this.queue.length > 0 && !this.drainArmed) {
      this.drainArmed = true;
      sock.once('drain', () => {
        this.drainArmed = false;
        this.drain();
      });
    }
  }

  private connect(): Promise<boolean> {
    this.connecting = new Promise<boolean>((resolve) => {
      const sock = new Socket();
      this.tcp = sock;
      sock.once('connect', () => {
        this.connected = true;
        this.retryMs = RETRY_MIN_MS;
        this.drain();
        resolve(true);
      });
      sock.on('error', (e) => {
        this.lastError = messageOf(e);
      });
      sock.once('close', () => {
        const wasUp = this.connected;
        this.connected = false;
        this.drainArmed = false;
        if (this.tcp === sock) this.tcp = null;
        if (!wasUp) resolve(false);
        this.scheduleRetry();
      });
      sock.connect(this.port, this.host);
      sock.unref();
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private connectOnce(ms: number): Promise<boolean> {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const attempt = this.connecting ?? this.connect();
    return Promise.race([attempt, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer || this.queue.length === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.tcp && !this.closed) void this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
