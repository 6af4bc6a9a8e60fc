// Checks every generated model folder gets: rebuilding it gives the committed bytes, and it stays
// small enough to ship in the repository and the app.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** `write(outDir)` builds the folder and returns its path; `folder` is the committed copy. */
export function describeGenerator(
  name: string,
  folder: string,
  write: (outDir: string) => string,
  maxBytes: number,
): void {
  describe('generator', () => {
    let outDir = '';
    afterAll(() => {
      if (outDir) rmSync(outDir, { recursive: true, force: true });
    });

    it('regenerates every committed file byte for byte', () => {
      outDir = mkdtempSync(join(tmpdir(), `${name}-`));
      const fresh = write(outDir);
      const files = listFiles(fresh);
      expect(listFiles(folder)).toEqual(files);
      for (const file of files) {
        const same = readFileSync(join(fresh, file)).equals(readFileSync(join(folder, file)));
        expect(same, `${file} differs; run npx tsx scripts/models/build.ts`).toBe(true);
      }
    });

    it('keeps the folder small', () => {
      const total = listFiles(folder).reduce(
        (sum, file) => sum + readFileSync(join(folder, file)).byteLength,
        0,
      );
      expect(total).toBeLessThan(maxBytes);
    });
  });
}
