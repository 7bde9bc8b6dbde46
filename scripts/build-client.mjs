// Bundles the browser code (src/client) into dist/public with a content hash in each
// file name, and writes dist/public/manifest.json mapping the logical names to them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/public';

export async function buildClient() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const result = await build({
    entryPoints: { viewer: 'src/client/main.ts', 'viewer-style': 'src/client/viewer.css' },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    outdir: OUT,
    entryNames: '[name].[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const manifest = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === undefined) continue;
    const ext = path.extname(file);
    manifest[meta.entryPoint.endsWith('.css') ? 'viewer.css' : `viewer${ext}`] = path.basename(file);
  }
  await writeFile(path.join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) await buildClient();
