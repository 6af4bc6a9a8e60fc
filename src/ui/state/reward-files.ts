// Reward model files in and out of the browser: reading a saved model the user picked (two files
// or the one-file ONNX export); downloads go through ui/download.ts.
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

export { saveFile } from '../download';
