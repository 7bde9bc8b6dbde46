import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EndReason, FormatName } from '../format/formatter.js';
import type { TailEngine } from '../tail/engine.js';
import type { StreamRegistry } from './stream-registry.js';

/** What a stream reports as it goes; the metrics are one listener, and others can plug into the same calls. */
export interface StreamObserver {
  sent(format: FormatName, bytes: number, lines: number): void;
  ended(format: FormatName, reason: EndReason): void;
}

const FORMATS: readonly FormatName[] = ['text', 'html', 'sse'];

/**
 * The Prometheus metrics (prom-client), in a registry of their own so that
 * several apps in one process (the tests) do not share counters.
 */
export class Metrics implements StreamObserver {
  readonly registry = new Registry();
  private readonly endings: Counter<'format' | 'reason'>;
  /** Lines and bytes sent, added up as plain numbers on every write and handed to prom-client only when scraped. */
  private readonly sentTotals: Record<FormatName, { lines: number; bytes: number }> = {
    text: { lines: 0, bytes: 0 },
    html: { lines: 0, bytes: 0 },
    sse: { lines: 0, bytes: 0 },
  };

  constructor(streams: StreamRegistry, engine: TailEngine) {
    const registers = [this.registry];
    new Gauge({
      name: 'comet_tail_streams_open',
      help: 'Streams open now',
      registers,
      collect() {
        this.set(streams.size);
      },
    });
    new Gauge({
      name: 'comet_tail_files_followed',
      help: 'Files followed now (one handle and one watch each)',
      registers,
      collect() {
        this.set(engine.stats().files);
      },
    });
    const totals = this.sentTotals;
    const fromTotals = (counter: Counter<'format'>, key: 'lines' | 'bytes'): void => {
      counter.reset();
      for (const format of FORMATS) if (totals[format][key] > 0) counter.inc({ format }, totals[format][key]);
    };
    new Counter({
      name: 'comet_tail_lines_sent_total',
      help: 'Lines sent to clients',
      labelNames: ['format'],
      registers,
      collect() {
        fromTotals(this, 'lines');
      },
    });
    new Counter({
      name: 'comet_tail_bytes_sent_total',
      help: 'Bytes sent on streams',
      labelNames: ['format'],
      registers,
      collect() {
        fromTotals(this, 'bytes');
      },
    });
    this.endings = new Counter({
      name: 'comet_tail_streams_ended_total',
      help: 'Streams ended, by reason (slow: the client fell behind CLIENT_BUFFER_BYTES)',
      labelNames: ['format', 'reason'],
      registers,
    });
    // The event-loop lag sampled every 100 ms, not prom-client's 10: at 10 ms its timer alone was ~0.09 s of CPU
    // per 10 s idle, the whole of the server's idle cost; a stall of 100 ms or more is still seen whole.
    collectDefaultMetrics({ register: this.registry, prefix: 'comet_tail_', eventLoopMonitoringPrecision: 100 });
  }

  sent(format: FormatName, bytes: number, lines: number): void {
    const t = this.sentTotals[format];
    t.bytes += bytes;
    t.lines += lines;
  }

  ended(format: FormatName, reason: EndReason): void {
    this.endings.inc({ format, reason });
  }
}
