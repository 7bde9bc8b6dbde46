/** Times and sizes as people read them, and their exact values for the hover (pure: for the server's page and the browser alike). */

/** '3 min ago', relative to `now` (pure: the server renders it at the request's time, the browser keeps it fresh). */
export function relativeTime(thenMs: number, nowMs: number): string {
  const s = Math.round((nowMs - thenMs) / 1000);
  if (Math.abs(s) < 10) return 'just now';
  const [n, unit] = span(Math.abs(s));
  return s > 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

function span(s: number): [number, string] {
  if (s < 60) return [s, 's'];
  if (s < 3600) return [Math.floor(s / 60), 'min'];
  if (s < 86_400) return [Math.floor(s / 3600), 'h'];
  const days = Math.floor(s / 86_400);
  if (days < 60) return [days, days === 1 ? 'day' : 'days'];
  if (days < 730) return [Math.floor(days / 30.44), 'months'];
  return [Math.floor(days / 365.25), 'years'];
}

/** The exact time, for the hover: '2026-11-30 12:34:56 UTC'. */
export const exactTime = (iso: string): string => `${iso.replace('T', ' ').slice(0, 19)} UTC`;

/** The exact byte count, for the hover: '1,234,567 bytes'. */
export const exactSize = (bytes: number): string => `${bytes.toLocaleString('en')} ${bytes === 1 ? 'byte' : 'bytes'}`;
