// Which of the files a user picked is the manifest and which the head, when a saved reward model
// is loaded back. The names may have changed on the way (browsers rename "head (1).onnx"), so
// files are told apart by extension; anything ambiguous is refused with a RewardFormatError.
import { RewardFormatError } from './errors';
import { HEAD_FILE, MANIFEST_FILE } from './export';

export interface NamedFile {
  name: string;
}

/** The manifest (.json) and the head (.onnx) among `files`: exactly one of each. */
export function pickModelFiles<F extends NamedFile>(files: readonly F[]): { manifest: F; head: F } {
  const json = files.filter((file) => /\.json$/i.test(file.name));
  const onnx = files.filter((file) => /\.onnx$/i.test(file.name));
  const others = files.filter((file) => !json.includes(file) && !onnx.includes(file));
  const [manifest] = json;
  const [head] = onnx;
  if (json.length !== 1 || onnx.length !== 1 || others.length > 0 || !manifest || !head) {
    const got = files.length ? files.map((file) => file.name).join(', ') : 'no files';
    throw new RewardFormatError(
      'bad-manifest',
      `Pick the two files of one saved reward model, ${MANIFEST_FILE} and ${HEAD_FILE} ` +
        `(got ${got}).`,
    );
  }
  return { manifest, head };
}
