import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Open file descriptors of a process pointing at `target` (or all of them). */
export function openFds(pid: number | 'self', target?: string): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (target === undefined || readlinkSync(`/proc/${pid}/fd/${fd}`) === target) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** The descriptor numbers a process has open. */
export function openFdNumbers(pid: number | 'self'): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number);
}

/** inotify watches a process holds, counted from its inotify descriptors' fdinfo. */
export function inotifyWatches(pid: number | 'self'): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number | 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}
