// Reward model files in and out of the browser: reading a saved model the user picked (two files
// or the one-file ONNX export) and handing bytes to the browser's download.
import { readCombinedRewardModel } from '../../lib/reward/combined-onnx';
import { pickModelFiles } from '../../lib/reward/files';

/**
 * A saved model's manifest and head: from its two files, or from the one-file export (which
 * carries both inside; see combined-onnx.ts).
 */
export async function readModelFiles(
  files: readonly File[],
): Promise<{ manifestText: string; head: Uint8Array }> {
  const [only] = files;
  if (files.length === 1 && only && /\.onnx$/i.test(only.name)) {
    const combined = readCombinedRewardModel(new Uint8Array(await only.arrayBuffer()));
    return { manifestText: combined.manifestJson, head: combined.head };
  }
  const picked = pickModelFiles(files);
  return {
    manifestText: await picked.manifest.text(),
    head: new Uint8Array(await picked.head.arrayBuffer()),
  };
}

/** Save bytes as a file through the browser's download (no server involved). */
export function saveFile(name: string, data: string | Uint8Array, type: string): void {
  const part = typeof data === 'string' ? data : new Uint8Array(data);
  const url = URL.createObjectURL(new Blob([part], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // Revoke later: the download reads the blob after this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
