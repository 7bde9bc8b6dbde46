/** Waits before reconnect attempt `attempt` (1, 2, …): doubling from `baseMs` up to `capMs`, each a random half to whole of it, so many pages a restart cut off do not all come back in the same instant. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 10_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
