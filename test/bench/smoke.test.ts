import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runPerf, type PerfReport } from '../../bench/perf.js';

// Proves the bench still runs end to end (servers, floor, tail -F, agents) and that nothing it
// streams is lost or repeated. Tiny sizes, one repetition, and no assertion on any timing.
test('the performance bench runs (BENCH_SMOKE sizes) and loses or repeats no line', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'comet-tail-bench-smoke-'));
  try {
    const out = path.join(dir, 'results.json');
    const report = await runPerf({ smoke: true, out, fromSource: true });
    const written = JSON.parse(await readFile(out, 'utf8')) as PerfReport;
    assert.equal(written.rows.length, report.rows.length, 'the JSON holds every row');
    assert.equal(report.rows.length, 13, 'every figure was measured');
    for (const row of report.rows) {
      assert.equal(row.lost, 0, `${row.figure}: lost lines`);
      assert.equal(row.dup, 0, `${row.figure}: duplicated lines`);
      assert.ok(Number.isFinite(row.comet.median), `${row.figure}: comet-tail measured`);
      if (row.target !== '') assert.equal(row.metInRepetitions?.of, 1, `${row.figure}: judged in its one repetition`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
