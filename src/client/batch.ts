import { readSse } from './stream.js';

/** One line of a batch, as the sse stream named it. */
export interface FetchedLine {
  readonly id: string;
  readonly text: string;
}

export type Batch =
  | { readonly ok: true; readonly lines: FetchedLine[]; readonly partial: boolean }
  /** `status` is null when no answer came (the network, the stream broke). */
  | { readonly ok: false; readonly status: number | null; readonly why: string };

// A search may scan for SEARCH_TIMEOUT_MS with nothing to send; heartbeats still come, but be generous.
const STALL_MS = 120_000;

/** One request that ends (`follow=0`: load older or newer, a permalink's context): its lines, or why it failed. */
export async function fetchBatch(url: string, signal: AbortSignal = new AbortController().signal): Promise<Batch> {
  const lines: FetchedLine[] = [];
  let partial = false;
  const end = await readSse(
    url,
    signal,
    STALL_MS,
    () => undefined,
    (ev) => {
      if (ev.event === 'message' && ev.id !== null) lines.push({ id: ev.id, text: ev.data });
      else if (ev.event === 'partial') partial = true;
    },
  );
  if (end.kind === 'eof') return { ok: true, lines, partial };
  return { ok: false, status: end.kind === 'refused' ? end.status : null, why: end.why };
}
