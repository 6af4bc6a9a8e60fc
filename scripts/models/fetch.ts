// `npm run models:fetch -- <id>`: copy a model into models/ for offline use (talks, air-gapped
// demos). A web-llm prebuilt id (SmolLM2-360M-Instruct-q4f32_1-MLC) goes to models/mlc/<id>/; a
// Hub id (owner/name) of a transformers.js ONNX folder goes to models/<name>/.
import { VARIANT_FILES, type OnnxVariant } from '../../src/lib/engines/onnx/model-files.ts';
import { FetchMlcError, fetchMlcModel } from './fetch-mlc.ts';
import { FetchOnnxError, fetchOnnxModel } from './fetch-onnx.ts';

const USAGE =
  'usage: npm run models:fetch -- <model-id> [--variant q4,q4f16] [--name <folder>]\n' +
  '  web-llm prebuilt id, e.g. SmolLM2-360M-Instruct-q4f32_1-MLC  -> models/mlc/<id>/\n' +
  '  Hub ONNX id, e.g. HuggingFaceTB/SmolLM2-135M-Instruct       -> models/<name>/\n' +
  `  variants: ${Object.keys(VARIANT_FILES).join(', ')}`;

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function parseVariants(value: string | undefined): OnnxVariant[] | undefined {
  if (!value) return undefined;
  const names = value.split(',').map((v) => v.trim());
  const bad = names.filter((v) => !(v in VARIANT_FILES));
  if (bad.length) throw new FetchOnnxError(`Unknown variant ${bad.join(', ')}.\n${USAGE}`);
  return names as OnnxVariant[];
}

async function main(args: string[]): Promise<void> {
  const id = args[0];
  if (!id || id.startsWith('-')) {
    console.error(USAGE);
    process.exit(2);
  }
  try {
    if (id.includes('/')) {
      const variants = parseVariants(flag(args, '--variant'));
      const { outDir } = await fetchOnnxModel(id, { variants, name: flag(args, '--name') });
      console.log(`Serve it with the app and load ./${outDir}/ as a Hugging Face ONNX model.`);
    } else {
      await fetchMlcModel(id);
    }
  } catch (error) {
    const known = error instanceof FetchMlcError || error instanceof FetchOnnxError;
    console.error(known ? error.message : error);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
