import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { familyOf, isCompressed, isRotatedOf } from '../../src/files/family.js';

describe('rotated families by name', () => {
  test('every rotation shape of app.log belongs to app.log', () => {
    const shapes = [
      'app.log.1',
      'app.log.2',
      'app.log.10',
      'app.log.1.gz',
      'app.log.2.gz',
      'app.log-20261130',
      'app.log-20261129.gz',
      'app.log.2026-11-28',
      'app.log-2026-11-28',
      'app.log_2026-11-28',
      'app.log-2026113012',
      'app.log-20261130-1764460800',
      'app.log.old',
      'app.log.3.xz',
      'app.log-20261101.bz2',
      'app.log.4.zst',
      // logrotate's `extension .log` with dateext, and daily-file loggers: the date before the extension
      'app-20261130.log',
      'app-2026-11-30.log',
      'app_20261130.log',
      'app.20261130.log',
    ];
    for (const name of shapes) assert.equal(familyOf(name), 'app.log', name);
  });

  test('a live file, and names that only look rotated, are their own family', () => {
    const own = [
      'app.log',
      'access.log',
      'Xorg.0.log',
      'Xorg.1.log',
      'app.1.log',
      'app.log2',
      'app.log.older',
      'syslog',
      'a.gz',
      'app.log.gz',
      '-20261130',
      '2026-11-30.log',
      '20261130',
      'app.log.',
      'data.json',
      'kern.log.1x',
    ];
    for (const name of own) assert.equal(familyOf(name), name, name);
  });

  test('access.log.old is a rotated access.log; access.log is not a rotated access.log.old', () => {
    assert.equal(familyOf('access.log.old'), 'access.log');
    assert.ok(isRotatedOf('access.log.old', 'access.log'));
    assert.ok(!isRotatedOf('access.log', 'access.log.old'));
    assert.ok(!isRotatedOf('access.log', 'access.log'), 'a file is not rotated of itself');
    assert.equal(familyOf('Xorg.0.log.old'), 'Xorg.0.log');
  });

  test('only .gz is compressed: it is what /tail decompresses', () => {
    assert.ok(isCompressed('app.log.2.gz'));
    assert.ok(isCompressed('app.log-20261129.gz'));
    assert.ok(!isCompressed('app.log.gzip'));
    assert.ok(!isCompressed('app.log.3.xz'));
    assert.ok(!isCompressed('app.log.GZ.txt'));
  });

  test('property: any live name with a rotation suffix (and a compression suffix) leads back to it', () => {
    const live = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}(\.[a-z]{1,4}){0,2}$/).filter((n) => familyOf(n) === n);
    const suffix = fc.oneof(
      fc.integer({ min: 0, max: 9999 }).map((n) => `.${n}`),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).chain((d) => {
        const iso = d.toISOString().slice(0, 10);
        return fc.constantFrom(`-${iso.replace(/-/g, '')}`, `.${iso}`, `-${iso}`);
      }),
      fc.constant('.old'),
    );
    fc.assert(
      fc.property(live, suffix, fc.constantFrom('', '.gz', '.xz'), (name, rot, comp) => {
        assert.equal(familyOf(`${name}${rot}${comp}`), name);
        assert.equal(isCompressed(`${name}${rot}${comp}`), comp === '.gz');
      }),
      { numRuns: 2000 },
    );
  });
});
