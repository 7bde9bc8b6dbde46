import { readFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { AppState } from '../http/context.js';

/** Where `npm run build` puts the browser bundle, from src/routes or dist/routes alike. */
export const PUBLIC_DIR = path.resolve(import.meta.dirname, '../../dist/public');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The built browser files, read once at start; only names in the manifest are ever served. */
export class Assets {
  private constructor(
    /** Logical name (`viewer.js`) → hashed file name (`viewer.AB12CD.js`). */
    private readonly names: ReadonlyMap<string, string>,
    private readonly files: ReadonlyMap<string, Asset>,
  ) {}

  static load(dir: string): Assets {
    let manifest: Record<string, string>;
    try {
      manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Assets(new Map(), new Map());
      throw err;
    }
    const files = new Map<string, Asset>();
    for (const hashed of Object.values(manifest)) {
      const type = TYPES[path.extname(hashed)];
      if (type === undefined || hashed !== path.basename(hashed)) continue;
      // The hash esbuild put in the name is the content's: a strong validator as it stands.
      const hash = /\.([A-Z0-9]+)\.[a-z]+$/.exec(hashed)?.[1] ?? hashed;
      files.set(hashed, { body: readFileSync(path.join(dir, hashed)), type, etag: `"${hash}"` });
    }
    return new Assets(new Map(Object.entries(manifest).filter(([, h]) => files.has(h))), files);
  }

  /** The hashed file name for a logical one, or null when the bundle was not built. */
  fileName(logical: string): string | null {
    return this.names.get(logical) ?? null;
  }

  get(hashed: string): Asset | undefined {
    return this.files.get(hashed);
  }
}

/** `/assets/<name>.<hash>.<ext>`: immutable, so a year of caching; the ETag answers revalidation with 304. */
export function assetRoutes(assets: Assets): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/assets/:name', (ctx) => {
    const asset = assets.get(ctx.params.name ?? '');
    if (asset === undefined) {
      ctx.throw(404, 'Not Found: no such asset');
      return;
    }
    ctx.set({
      ETag: asset.etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
    ctx.type = asset.type;
    ctx.status = 200; // ctx.fresh only looks at a 2xx answer
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = asset.body;
  });
  return router;
}
