// The floor: the least a follower over HTTP can do. Plain node:http, one fs.watch and one
// descriptor per followed file, each Buffer read written to every client. No backlog, no
// rotation, no formats, no limits, no guard: only what every line must cost. Run as its own
// process (bench/targets.ts compiles it), args: <dir>; prints {"port":N} when listening.
import { close, fstat, open, read, watch, type FSWatcher } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

interface Followed {
  readonly fd: number;
  readonly watcher: FSWatcher;
  readonly clients: Set<http.ServerResponse>;
  pos: number;
  reading: boolean;
  again: boolean;
}

const dir = process.argv[2] ?? '.';
const files = new Map<string, Followed>();

/** Reads from the position to the end, each Buffer to every client; a change meanwhile reads again. */
function readToEnd(name: string, f: Followed): void {
  if (f.reading) {
    f.again = true;
    return;
  }
  f.reading = true;
  f.again = false;
  const buf = Buffer.allocUnsafe(64 * 1024);
  read(f.fd, buf, 0, buf.length, f.pos, (err, n) => {
    f.reading = false;
    if (files.get(name) !== f) return;
    if (err === null && n > 0) {
      f.pos += n;
      const chunk = buf.subarray(0, n);
      for (const c of f.clients) c.write(chunk);
      return readToEnd(name, f);
    }
    if (f.again) readToEnd(name, f);
  });
}

function follow(name: string, done: (f: Followed | null) => void): void {
  const existing = files.get(name);
  if (existing !== undefined) {
    done(existing);
    return;
  }
  const abs = path.join(dir, name);
  open(abs, 'r', (err, fd) => {
    if (err !== null) return done(null);
    const again = files.get(name);
    if (again !== undefined) {
      close(fd, () => undefined);
      return done(again);
    }
    // Every line after the moment the first client arrived; the current end is where reading starts.
    const f: Followed = {
      fd,
      clients: new Set(),
      pos: 0,
      reading: false,
      again: false,
      watcher: watch(abs, () => readToEnd(name, f)),
    };
    files.set(name, f);
    f.reading = true;
    fstat(fd, (e, st) => {
      f.pos = e === null ? st.size : 0;
      f.reading = false;
      if (f.again) readToEnd(name, f);
      done(f);
    });
  });
}

function unfollow(name: string, f: Followed): void {
  if (f.clients.size > 0 || files.get(name) !== f) return;
  files.delete(name);
  f.watcher.close();
  close(f.fd, () => undefined);
}

const server = http.createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url ?? '/', 'http://floor').pathname.slice(1));
  follow(name, (f) => {
    if (f === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    f.clients.add(res);
    res.on('close', () => {
      f.clients.delete(res);
      unfollow(name, f);
    });
  });
});
server.requestTimeout = 0;

process.on('SIGTERM', () => {
  for (const f of files.values()) for (const c of f.clients) c.end();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 1000).unref();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`,
  );
});
