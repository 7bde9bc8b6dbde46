import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * An application writing numbered lines to a log the way most do: it reopens
 * the name for every line (O_APPEND, no O_CREAT), so after a rotation its next
 * line goes to the new file; while the name is missing it retries.
 */
export class LineWriter {
  written = 0;

  constructor(
    private readonly file: string,
    private readonly prefix = 'line ',
  ) {}

  async writeLines(count: number, pauseMs = 1, onLine?: (n: number) => Promise<void> | void): Promise<void> {
    for (let i = 0; i < count; i++) {
      const n = this.written + 1;
      await this.append(`${this.prefix}${n}\n`);
      this.written = n;
      await onLine?.(n);
      if (pauseMs > 0) await delay(pauseMs);
    }
  }

  private async append(text: string): Promise<void> {
    for (;;) {
      try {
        const fh = await open(this.file, constants.O_WRONLY | constants.O_APPEND);
        try {
          await fh.write(text);
        } finally {
          await fh.close();
        }
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await delay(2); // the name is between rotation steps: like an app, try again shortly
      }
    }
  }
}
