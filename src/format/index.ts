import type { Formatter, FormatName } from './formatter.js';
import { HtmlFormatter } from './html.js';
import { SseFormatter } from './sse.js';
import { TextFormatter } from './text.js';

export function createFormatter(
  name: FormatName,
  opts: { title: string; maxLineBytes: number; current?: string | null },
): Formatter {
  switch (name) {
    case 'text':
      return new TextFormatter();
    case 'html':
      return new HtmlFormatter(opts.title, opts.maxLineBytes, opts.current ?? null);
    case 'sse':
      return new SseFormatter(opts.maxLineBytes);
  }
}
