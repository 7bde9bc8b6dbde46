import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { arrangeEntries, matchesFilter, type Orderable } from '../../src/shared/index-order.js';
import { exactSize, exactTime, relativeTime } from '../../src/shared/readable.js';

const file = (name: string, family: string, size: number, mtime: string): Orderable => ({
  name,
  family,
  size,
  mtime,
  type: 'file',
});
const names = (groups: Orderable[][]): string[][] => groups.map((g) => g.map((e) => e.name));

describe('the index order', () => {
  const entries: Orderable[] = [
    file('app.log.2.gz', 'app.log', 50, '2026-11-28T00:00:00Z'),
    file('zz.log', 'zz.log', 1, '2026-11-30T10:00:00Z'),
    file('app.log', 'app.log', 10, '2026-11-30T12:00:00Z'),
    { name: 'nginx', family: 'nginx', size: 0, mtime: '2026-01-01T00:00:00Z', type: 'dir' },
    file('app.log.1', 'app.log', 900, '2026-11-29T00:00:00Z'),
    file('old.log.1', 'old.log', 5, '2026-10-01T00:00:00Z'),
  ];

  test('directories first, then families, each led by its live file', () => {
    assert.deepEqual(names(arrangeEntries(entries)), [
      ['nginx'],
      ['app.log', 'app.log.1', 'app.log.2.gz'],
      ['old.log.1'],
      ['zz.log'],
    ]);
  });

  test('by size, largest first: families by their live file, rotated members by size', () => {
    assert.deepEqual(names(arrangeEntries(entries, { key: 'size', order: 'desc' })), [
      ['nginx'],
      ['app.log', 'app.log.1', 'app.log.2.gz'],
      ['old.log.1'],
      ['zz.log'],
    ]);
    assert.deepEqual(names(arrangeEntries(entries, { key: 'size', order: 'asc' })), [
      ['nginx'],
      ['zz.log'],
      ['old.log.1'],
      ['app.log', 'app.log.2.gz', 'app.log.1'],
    ]);
  });

  test('by modified time, newest first', () => {
    assert.deepEqual(names(arrangeEntries(entries, { key: 'mtime', order: 'desc' })), [
      ['nginx'],
      ['app.log', 'app.log.1', 'app.log.2.gz'],
      ['zz.log'],
      ['old.log.1'],
    ]);
  });

  test('the filter is a case-insensitive substring of the name', () => {
    assert.ok(matchesFilter('Access.LOG.1', 'log.1'));
    assert.ok(matchesFilter('x', ''));
    assert.ok(!matchesFilter('error.log', 'access'));
  });
});

describe('readable times and sizes', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  test('relative times', () => {
    const ago = (s: number): string => relativeTime(now - s * 1000, now);
    assert.deepEqual(
      [
        ago(3),
        ago(42),
        ago(180),
        ago(3 * 3600 + 5),
        ago(86_400),
        ago(5 * 86_400),
        ago(90 * 86_400),
        ago(800 * 86_400),
        ago(-120),
      ],
      [
        'just now',
        '42 s ago',
        '3 min ago',
        '3 h ago',
        '1 day ago',
        '5 days ago',
        '2 months ago',
        '2 years ago',
        'in 2 min',
      ],
    );
  });
  test('exact values for the hover', () => {
    assert.equal(exactTime('2026-11-30T12:34:56.789Z'), '2026-11-30 12:34:56 UTC');
    assert.equal(exactSize(1234567), '1,234,567 bytes');
    assert.equal(exactSize(1), '1 byte');
  });
});
