import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { requireDebianPackage } from '../helpers/debian.js';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy/proxy');

/** Where the proxy listens and what it forwards to, and its read timeout in the test. */
export interface ProxyPorts {
  readonly listen: number;
  readonly upstream: number;
  readonly admin: number;
  readonly readTimeoutS: number;
}

/** One reverse proxy: its Debian package, its shipped file, and how to run that file in the foreground. */
export interface ProxyKind {
  readonly name: string;
  readonly pkg: string;
  readonly binary: string;
  readonly file: string;
  /** Exact texts of the shipped file and what they become here: only addresses, ports and the read timeout. */
  substitutions(p: ProxyPorts): Array<[from: string, to: string]>;
  /** Writes what the binary needs around the file (pid, logs, temp paths) and returns its argv. */
  prepare(dir: string, config: string, p: ProxyPorts): Promise<string[]>;
  /** Extra environment, e.g. Caddy's data and config homes. */
  env?(dir: string): Record<string, string>;
}

export const nginx: ProxyKind = {
  name: 'nginx',
  pkg: 'nginx',
  binary: '/usr/sbin/nginx',
  file: 'nginx.conf',
  substitutions: (p) => [
    ['listen 80;', `listen 127.0.0.1:${p.listen};`],
    ['proxy_pass http://127.0.0.1:9999;', `proxy_pass http://127.0.0.1:${p.upstream};`],
    ['proxy_read_timeout 1h;', `proxy_read_timeout ${p.readTimeoutS}s;`],
  ],
  async prepare(dir, config) {
    const temp = (n: string): string => `${n}_temp_path ${path.join(dir, n)};`;
    // Around the shipped server block: a main config like Debian's, with gzip on
    // for text types as many servers have it, so the file must turn it off itself.
    await writeFile(
      path.join(dir, 'main.conf'),
      [
        'daemon off;',
        `pid ${path.join(dir, 'nginx.pid')};`,
        `error_log ${path.join(dir, 'error.log')} warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
        '  gzip on;',
        '  gzip_types text/plain text/event-stream;',
        `  include ${config};`,
        '}',
        '',
      ].join('\n'),
    );
    return ['-c', path.join(dir, 'main.conf'), '-p', dir, '-e', path.join(dir, 'error.log')];
  },
};

export const caddy: ProxyKind = {
  name: 'Caddy',
  pkg: 'caddy',
  binary: '/usr/bin/caddy',
  file: 'Caddyfile',
  substitutions: (p) => [
    ['admin localhost:2019', `admin 127.0.0.1:${p.admin}`],
    ['logs.example.org {', `http://127.0.0.1:${p.listen} {`],
    ['reverse_proxy 127.0.0.1:9999 {', `reverse_proxy 127.0.0.1:${p.upstream} {`],
    ['read_timeout 1h', `read_timeout ${p.readTimeoutS}s`],
  ],
  async prepare(dir, config) {
    return ['run', '--config', config, '--adapter', 'caddyfile', '--pidfile', path.join(dir, 'caddy.pid')];
  },
  env: (dir) => ({ HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') }),
};

export const haproxy: ProxyKind = {
  name: 'HAProxy',
  pkg: 'haproxy',
  binary: '/usr/sbin/haproxy',
  file: 'haproxy.cfg',
  substitutions: (p) => [
    ['bind :80', `bind 127.0.0.1:${p.listen}`],
    ['server comet-tail 127.0.0.1:9999 check', `server comet-tail 127.0.0.1:${p.upstream} check`],
    ['timeout client 1h', `timeout client ${p.readTimeoutS}s`],
    ['timeout server 1h', `timeout server ${p.readTimeoutS}s`],
  ],
  // -db: stay in the foreground, no daemon.
  prepare: async (dir, config) => ['-db', '-f', config, '-p', path.join(dir, 'haproxy.pid')],
};

const APACHE_MODULES = '/usr/lib/apache2/modules';

export const apache: ProxyKind = {
  name: 'Apache',
  pkg: 'apache2',
  binary: '/usr/sbin/apache2',
  file: 'apache.conf',
  substitutions: (p) => [
    ['<VirtualHost *:80>', `<VirtualHost 127.0.0.1:${p.listen}>`],
    // ProxyPass and ProxyPassReverse
    ['http://127.0.0.1:9999/logs', `http://127.0.0.1:${p.upstream}/logs`],
    ['timeout=3600', `timeout=${p.readTimeoutS}`],
  ],
  async prepare(dir, config, p) {
    const mod = (name: string, file: string): string => `LoadModule ${name}_module ${APACHE_MODULES}/mod_${file}.so`;
    await mkdir(path.join(dir, 'run'));
    // Around the shipped virtual host: the modules the file's comment names
    // (a2enmod proxy proxy_http headers env), and mod_deflate as Debian
    // enables it by default, so the file must turn compression off itself.
    await writeFile(
      path.join(dir, 'main.conf'),
      [
        `ServerRoot ${dir}`,
        `DefaultRuntimeDir ${path.join(dir, 'run')}`,
        `PidFile ${path.join(dir, 'apache2.pid')}`,
        `ErrorLog ${path.join(dir, 'error.log')}`,
        'LogLevel warn',
        'ServerName 127.0.0.1',
        `Listen 127.0.0.1:${p.listen}`,
        mod('mpm_event', 'mpm_event'),
        'User www-data',
        'Group www-data',
        mod('authz_core', 'authz_core'),
        mod('filter', 'filter'),
        mod('deflate', 'deflate'),
        'AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript application/javascript application/json',
        mod('env', 'env'),
        mod('headers', 'headers'),
        mod('proxy', 'proxy'),
        mod('proxy_http', 'proxy_http'),
        `Include ${config}`,
        '',
      ].join('\n'),
    );
    return ['-f', path.join(dir, 'main.conf'), '-DFOREGROUND'];
  },
};

/** A free TCP port on loopback (closed again before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The shipped file with exactly these substitutions, each of which must match. */
export async function substituted(kind: ProxyKind, p: ProxyPorts): Promise<string> {
  let text = await readFile(path.join(DEPLOY, kind.file), 'utf8');
  for (const [from, to] of kind.substitutions(p)) {
    if (!text.includes(from))
      throw new Error(
        `deploy/proxy/${kind.file} no longer contains ${JSON.stringify(from)}: update the test's substitutions`,
      );
    text = text.replaceAll(from, to);
  }
  return text;
}

export interface RunningProxy {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Runs the Debian package's binary in the foreground with the shipped file
 * (ports substituted), its pid, logs and state in a temp dir; no system
 * service is involved. Resolves once `readyPath` answers 200 through it.
 */
export async function startProxy(kind: ProxyKind, p: ProxyPorts, readyPath: string): Promise<RunningProxy> {
  const binary = requireDebianPackage(kind.pkg, kind.binary);
  const text = await substituted(kind, p);
  const dir = await mkdtemp(path.join(tmpdir(), `comet-tail-${kind.pkg}-`));
  const config = path.join(dir, kind.file);
  let args: string[];
  try {
    await writeFile(config, text);
    args = await kind.prepare(dir, config, p);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const child = spawn(binary, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...kind.env?.(dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (c: Buffer): void => {
    output = (output + c.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${p.listen}`;
  const stop = async (): Promise<void> => {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await untilAnswers(`${url}${readyPath}`, child, () => output, dir);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, dir, stop };
}

/** Polls the proxy until it answers 200: the process announces its readiness no other way. */
async function untilAnswers(url: string, child: ChildProcess, output: () => string, dir: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`proxy exited with ${child.exitCode} at start: ${output()}${await errorLog(dir)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`proxy never answered 200 on ${url}: ${output()}${await errorLog(dir)}`);
    await delay(50);
  }
}

async function errorLog(dir: string): Promise<string> {
  return readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '');
}

/** SIGTERM, then SIGKILL if it has not gone within 5 s: only this child, by its own handle. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
