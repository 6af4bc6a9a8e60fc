// `npm install` on a fresh clone must not run onnxruntime-node's postinstall: it downloads CUDA
// libraries from outside the npm registry (and fails offline). package.json's allowScripts (npm 11)
// says so; nothing else may paper over it with ONNXRUNTIME_NODE_INSTALL=skip.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface PackageJson {
  allowScripts?: Record<string, boolean>;
  devDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

describe('install scripts', () => {
  it('package.json denies onnxruntime-node its postinstall by name', () => {
    // `false`, not merely absent: `npm install-scripts approve --all` only approves unlisted ones.
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it('no wildcard entry could approve it instead', () => {
    const keys = Object.keys(pkg.allowScripts ?? {});
    expect(keys.filter((k) => k.includes('*'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('onnxruntime-node@'))).toEqual([]);
  });

  it('.npmrc and .ci/run set no ONNXRUNTIME_NODE_INSTALL and approve no scripts', () => {
    const files = { '.npmrc': read('.npmrc'), '.ci/run': read('.ci/run') };
    expect(files['.ci/run']).not.toBe(''); // the CI script exists where the README says
    // The env var, npm's config of the flag (onnxruntime-node-install=), or the CLI flag; an
    // `env -u ONNXRUNTIME_NODE_INSTALL` (unset) is allowed.
    const setsFlag = /onnxruntime[-_]node[-_]install\w*\s*=|--onnxruntime-node-install/i;
    for (const [name, text] of Object.entries(files)) {
      const offending = text
        .split('\n')
        .filter((l) => setsFlag.test(l) || /ignore-scripts/.test(l));
      expect(offending, name).toEqual([]);
    }
    expect(files['.npmrc']).not.toMatch(/allow-scripts/);
  });

  it('the installed onnxruntime-node carries no downloaded CUDA provider', () => {
    // The postinstall's only work on Linux x64 is fetching these; their absence means it did not run.
    const bin = 'node_modules/onnxruntime-node/bin';
    if (!existsSync(bin)) return; // a unit-only install without the test-only devDependencies
    const files = readdirSync(bin, { recursive: true, encoding: 'utf8' });
    const cuda = files.filter((f) => /providers_(cuda|tensorrt)/.test(f));
    expect(cuda, `remove ${cuda.map((f) => join(bin, f)).join(', ')} and reinstall`).toEqual([]);
  });
});
