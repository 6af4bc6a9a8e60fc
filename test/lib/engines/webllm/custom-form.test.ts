import { describe, expect, it } from 'vitest';
import {
  checkCustomModel,
  checkLocalModelId,
  connectAllowed,
  connectSources,
  localFolderHint,
  resolveUserUrl,
} from '../../../../src/lib/engines/webllm/custom-form';
import { contentSecurityPolicy } from '../../../../scripts/csp';

const PAGE = 'http://127.0.0.1:4173/rlaif-lab/#/label';
const HTTPS_PAGE = 'https://lab.example.org/app/';
// The policy the build puts in index.html, so the check follows the real one.
const POLICY = contentSecurityPolicy();

describe('resolveUserUrl', () => {
  it('resolves full URLs and paths on this site', () => {
    expect(String(resolveUserUrl('https://huggingface.co/mlc-ai/x/resolve/main/', PAGE))).toBe(
      'https://huggingface.co/mlc-ai/x/resolve/main/',
    );
    expect(String(resolveUserUrl('./models/mlc/m/', PAGE))).toBe(
      'http://127.0.0.1:4173/rlaif-lab/models/mlc/m/',
    );
    expect(String(resolveUserUrl('/m/lib.wasm', PAGE))).toBe('http://127.0.0.1:4173/m/lib.wasm');
  });

  it('says what is wrong with text that is not a URL', () => {
    expect(resolveUserUrl('', PAGE)).toBe('Required.');
    expect(resolveUserUrl('not a url', PAGE)).toMatch(/"not a url" is not a URL.*https:\/\//);
    expect(resolveUserUrl('example.org/model', PAGE)).toMatch(/is not a URL.*\.\/ or \//);
    expect(resolveUserUrl('https://exa mple.org/', PAGE)).toMatch(/is not a URL/);
    expect(resolveUserUrl('ftp://example.org/m/', PAGE)).toMatch(/Only http\(s\) URLs.*ftp:/);
  });

  it('refuses http downloads from an https page, except from this machine', () => {
    expect(resolveUserUrl('http://models.example.org/m/', HTTPS_PAGE)).toMatch(/Use https/);
    expect(resolveUserUrl('http://localhost:8000/m/', HTTPS_PAGE)).toBeInstanceOf(URL);
  });
});

describe('connectAllowed under the build policy', () => {
  const allowed = (url: string) => connectAllowed(new URL(url), POLICY, PAGE);

  it('reads connect-src, falling back to default-src', () => {
    expect(connectSources(POLICY)).toContain('https://huggingface.co');
    expect(connectSources("default-src 'self'")).toEqual(["'self'"]);
    expect(connectSources(null)).toBeNull();
  });

  it('allows this site and the model hosts, wildcards for subdomains only', () => {
    expect(allowed('http://127.0.0.1:4173/rlaif-lab/models/mlc/m/')).toBe(true);
    expect(allowed('https://huggingface.co/mlc-ai/m/resolve/main/')).toBe(true);
    expect(allowed('https://cdn-lfs.hf.co/x')).toBe(true);
    expect(allowed('https://hf.co/x')).toBe(false);
    expect(allowed('https://models.example.org/m/')).toBe(false);
    expect(allowed('http://192.168.1.5:9999/m/')).toBe(false);
  });

  it('allows a server on this machine on any port (http://127.0.0.1:*, http://localhost:*)', () => {
    expect(allowed('http://127.0.0.1:9999/v1/models')).toBe(true);
    expect(allowed('http://localhost:11434/api/tags')).toBe(true);
    expect(allowed('http://localhost/v1/models')).toBe(true);
    expect(allowed('http://127.0.0.2:8080/')).toBe(false);
    const fixedPort = 'connect-src http://127.0.0.1:8080';
    expect(connectAllowed(new URL('http://127.0.0.1:8081/'), fixedPort, PAGE)).toBe(false);
    expect(connectAllowed(new URL('http://127.0.0.1:8080/'), fixedPort, PAGE)).toBe(true);
  });

  it('allows everything without a policy', () => {
    expect(connectAllowed(new URL('https://models.example.org/'), null, PAGE)).toBe(true);
  });
});

describe('checkCustomModel', () => {
  const context = { pageUrl: PAGE, policy: POLICY };

  it('accepts a complete entry and resolves its URLs', () => {
    const check = checkCustomModel(
      {
        modelId: ' My-q4f32_1-MLC ',
        modelUrl: 'https://huggingface.co/me/My-q4f32_1-MLC/resolve/main/',
        modelLibUrl: './models/mlc/My/My-webgpu.wasm',
      },
      context,
    );
    expect(check).toEqual({
      ok: true,
      model: {
        modelId: 'My-q4f32_1-MLC',
        modelUrl: 'https://huggingface.co/me/My-q4f32_1-MLC/resolve/main/',
        modelLibUrl: 'http://127.0.0.1:4173/rlaif-lab/models/mlc/My/My-webgpu.wasm',
      },
    });
  });

  it('reports every field that needs fixing', () => {
    const check = checkCustomModel(
      { modelId: 'has space', modelUrl: 'nonsense', modelLibUrl: 'https://huggingface.co/lib.js' },
      context,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors.modelId).toMatch(/no spaces or slashes/);
    expect(check.errors.modelUrl).toMatch(/"nonsense" is not a URL/);
    expect(check.errors.modelLibUrl).toMatch(/\.wasm/);
  });

  it('names the setting to rebuild with when the policy blocks the host', () => {
    const check = checkCustomModel(
      {
        modelId: 'm',
        modelUrl: 'https://models.example.org/m/',
        modelLibUrl: 'https://models.example.org/m/lib.wasm',
      },
      context,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors.modelUrl).toBe(
      'This build may not download from https://models.example.org. Rebuild the app with ' +
        'RLAIF_MODEL_HOSTS="https://models.example.org" npm run build, or serve the model from this site.',
    );
    // The library is fetched inside web-llm's worker, which the page's meta policy does not cover.
    expect(check.errors.modelLibUrl).toBeUndefined();
  });
});

describe('models/mlc/<id>/ ids', () => {
  it('accepts web-llm ids and refuses paths', () => {
    expect(checkLocalModelId('SmolLM2-360M-Instruct-q4f32_1-MLC')).toBeNull();
    expect(checkLocalModelId('')).toMatch(/Required/);
    expect(checkLocalModelId('../etc')).toMatch(/no spaces or slashes/);
    expect(checkLocalModelId('a*b')).toMatch(/letters, digits/);
  });

  it('tells how to fill the folder', () => {
    expect(localFolderHint('M-q4f32_1-MLC')).toMatch(
      /models\/mlc\/M-q4f32_1-MLC\/.*npm run models:fetch -- M-q4f32_1-MLC/,
    );
  });
});
