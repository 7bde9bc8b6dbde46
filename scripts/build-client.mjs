// Bundles the browser code (src/client) into dist/public with a content hash in each
// file name, and writes dist/public/manifest.json mapping the logical names to them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/public';

// Logical name (what the pages ask the manifest for) → source; the output is named after the logical name's stem.
const ENTRIES = [
  { logical: 'viewer.js', source: 'src/client/main.ts', out: 'viewer' },
  { logical: 'viewer.css', source: 'src/client/viewer.css', out: 'viewer-style' },
  { logical: 'index.js', source: 'src/client/index-page.ts', out: 'index' },
];

export async function buildClient() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const result = await build({
    entryPoints: ENTRIES.map((e) => ({ in: e.source, out: e.out })),
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
    const entry = ENTRIES.find((e) => e.source === meta.entryPoint);
    if (entry !== undefined) manifest[entry.logical] = path.basename(file);
  }
  await writeFile(path.join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) await buildClient();
