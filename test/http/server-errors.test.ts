import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openFds } from '../helpers/proc.js';
import { type MainProcess, startMain } from '../helpers/process.js';
import { makeLogDir } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

interface Answer {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** One keep-alive HTTP/1.1 connection driven by hand, so requests can go out when no new socket could be accepted. */
class Connection {
  private text = '';
  private closed = false;
  private wake: () => void = () => undefined;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      this.text += c;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request; resolves with the answer's head (and body, when it has a length), or null if the server hung up first. */
  async request(target: string, headers: Record<string, string> = {}): Promise<Answer | null> {
    this.text = '';
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    this.socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n${lines.join('')}\r\n`);
    for (;;) {
      const answer = this.parse();
      if (answer !== null) return answer;
      if (this.closed) return null;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  private parse(): Answer | null {
    const end = this.text.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [statusLine = '', ...fields] = this.text.slice(0, end).split('\r\n');
    const headers = new Map(
      fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]),
    );
    const length = headers.get('content-length');
    const body = this.text.slice(end + 4);
    // A stream (chunked, never-ending): its head is the answer.
    if (length !== undefined && Buffer.byteLength(body, 'latin1') < Number(length)) return null;
    return { status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
  }
}

const FILES = 64;
const NOFILE = 64;

describe('out of file descriptors: 5xx and a log line, never 404 (finding 7)', () => {
  let dir: string;
  let main: MainProcess;

  before(async () => {
    dir = await makeLogDir();
    await writeFile(path.join(dir, 'x.log'), 'the file\n');
    for (let i = 0; i < FILES; i++) await writeFile(path.join(dir, `f${i}.log`), `f${i}\n`);
    main = await startMain({ LOG_DIR: dir }, dir, { nofile: NOFILE });
  });
  after(() => main.stop());

  test('/download, /view and the index answer 5xx with one line while no descriptor is left, and 200 once there are', {
    timeout: 60_000,
  }, async () => {
    const baseline = openFds(main.pid);
    const control = await Connection.open(main.port);
    const streams: Connection[] = [];
    // Streams on distinct files take two descriptors each (socket, file) until one cannot be had.
    let refused: Answer | null = null;
    for (let i = 0; i < FILES; i++) {
      const conn = await Connection.open(main.port).catch(() => null);
      if (conn === null) break;
      streams.push(conn);
      const answer = await conn.request(`/tail/f${i}.log`);
      if (answer === null || answer.status !== 200) {
        refused = answer;
        break;
      }
      // Keeps the control connection from its keep-alive timeout meanwhile.
      assert.equal((await control.request('/healthz'))?.status, 200);
    }
    const held = openFds(main.pid);
    assert.ok(streams.length < FILES, `the descriptors ran out (${streams.length} streams, ${held} fds)`);
    process.stdout.write(
      `# fds: ${baseline} at start, ${held} with ${streams.length} streams open (limit ${NOFILE}); the last stream got ${refused === null ? 'no answer' : refused.status}\n`,
    );

    const answers = new Map<string, Answer | null>();
    for (const [target, headers] of [
      ['/download/x.log', {}],
      ['/view/x.log', {}],
      ['/', { Accept: 'application/json' }],
      ['/', { Accept: 'text/html' }],
      ['/tail/x.log?format=html', {}],
    ] as const) {
      answers.set(`${target} ${headers.Accept ?? ''}`, await control.request(target, headers));
    }
    process.stdout.write(
      `# under EMFILE: ${[...answers].map(([k, a]) => `${k.trim()} → ${a?.status ?? 'hung up'}`).join(', ')}\n`,
    );
    for (const [what, a] of answers) {
      assert.ok(a !== null, `${what}: answered`);
      // The index needs one descriptor (readdir) where an open through the guard needs two (O_PATH, then the file),
      // so the one the last refused open gave back may serve it: then it must be the true listing, never a 404.
      if (what.startsWith('/ ') && a.status === 200) {
        assert.ok(a.body.includes('x.log'), `${what}: the listing`);
        continue;
      }
      assert.ok(a.status >= 500 && a.status < 600, `${what}: ${a.status} ${a.body}`);
      assert.equal(a.body, 'Internal Server Error\n', `${what}: one line, no stack, no path`);
      assert.ok(a.status !== 200, `${what}: not 200`);
      for (const h of ['content-security-policy', 'x-accel-buffering', 'etag', 'content-disposition'])
        assert.equal(a.headers.get(h), undefined, `${what}: ${h}`);
    }
    await waitUntil(
      () =>
        main
          .log()
          .split('\n')
          .some((l) => l.includes('"level":50') && l.includes('"code":"EMFILE"')),
      'an error log line with the cause',
    );

    for (const s of streams) s.socket.destroy();
    await waitUntil(
      () => openFds(main.pid) <= baseline + 1,
      `the streams' descriptors released (${openFds(main.pid)}, baseline ${baseline})`,
    );
    const again = await Connection.open(main.port);
    for (const [target, headers] of [
      ['/download/x.log', {}],
      ['/view/x.log', {}],
      ['/', { Accept: 'application/json' }],
    ] as const) {
      const a = await again.request(target, headers);
      assert.equal(a?.status, 200, target);
    }
    again.socket.destroy();
    control.socket.destroy();
  });
});
