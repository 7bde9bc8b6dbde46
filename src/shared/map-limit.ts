/**
 * `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in
 * the items' order: a huge directory must not queue a stat per entry at once
 * (memory, and every other request's file work waiting behind them in libuv's pool).
 * The first rejection rejects the whole, as Promise.all does.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
