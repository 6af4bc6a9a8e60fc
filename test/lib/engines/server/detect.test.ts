import { describe, expect, it } from 'vitest';
import { probeServer, ServerConnectError } from '../../../../src/lib/engines/server/detect';

// Each kind's documented answers (shared/docs/servers.md); anything else is a 404.
type Routes = Record<string, unknown>;
function server(routes: Routes, seen: { url: string; auth: string | null }[] = []) {
  return async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    seen.push({ url, auth: new Headers(init.headers).get('authorization') });
    if (!(path in routes)) return new Response('<html>Not Found</html>', { status: 404 });
    return Response.json(routes[path]);
  };
}

const models = (owner: string, ...ids: string[]) => ({
  object: 'list',
  data: ids.map((id) => ({ id, object: 'model', owned_by: owner })),
});

describe('probeServer', () => {
  it('knows vLLM by owned_by "vllm" and lists its models', async () => {
    const probe = await probeServer('http://h:8000/v1/', {
      fetch: server({ '/v1/models': models('vllm', 'Qwen/Qwen3-0.6B') }),
    });
    expect(probe).toEqual({
      kind: 'vllm',
      models: ['Qwen/Qwen3-0.6B'],
      evidence: 'owned_by "vllm"',
    });
  });

  it('knows llama.cpp by /props, SGLang by /get_server_info, Ollama by /api/version', async () => {
    const llama = await probeServer('http://h:8080', {
      fetch: server({
        '/v1/models': models('llamacpp', 'tiny.gguf'),
        '/props': { default_generation_settings: { n_ctx: 512 }, total_slots: 4 },
      }),
    });
    expect([llama.kind, llama.models]).toEqual(['llamacpp', ['tiny.gguf']]);
    const sglang = await probeServer('http://h:30000', {
      fetch: server({
        '/v1/models': models('sglang', 'meta-llama/Llama-3.2-1B'),
        '/get_server_info': { model_path: 'meta-llama/Llama-3.2-1B', tp_size: 1 },
      }),
    });
    expect(sglang.kind).toBe('sglang');
    const ollama = await probeServer('http://h:11434', {
      fetch: server({
        '/v1/models': models('library', 'llama3.2:1b'),
        '/api/version': { version: '0.12.3' },
        '/api/tags': { models: [{ name: 'llama3.2:1b' }, { name: 'qwen3:0.6b' }] },
      }),
    });
    expect([ollama.kind, ollama.models]).toEqual(['ollama', ['llama3.2:1b', 'qwen3:0.6b']]);
  });

  it('falls back to plain OpenAI-compatible when only /v1/models answers', async () => {
    const probe = await probeServer('https://api.example.com', {
      fetch: server({ '/v1/models': models('openai', 'gpt-4o-mini') }),
    });
    expect(probe.kind).toBe('openai');
  });

  it('sends the API key as a bearer token, and says when the server refuses it', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    await probeServer('http://h:8000', {
      apiKey: 'sk-test',
      fetch: server({ '/v1/models': models('vllm', 'm') }, seen),
    });
    expect(seen[0]).toEqual({ url: 'http://h:8000/v1/models', auth: 'Bearer sk-test' });
    const refused = probeServer('http://h:8000', {
      fetch: async () => new Response('{"error":"unauthorized"}', { status: 401 }),
    });
    await expect(refused).rejects.toMatchObject({ reason: 'http' });
    await expect(refused).rejects.toThrow(/API key/);
  });

  it('explains CORS when fetch itself fails, and CSP before fetching a host the page refuses', async () => {
    const failing = probeServer('http://10.0.0.5:8000', {
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(failing).rejects.toBeInstanceOf(ServerConnectError);
    await expect(failing).rejects.toMatchObject({ reason: 'cors-or-network' });
    await expect(failing).rejects.toThrow(/--allowed-origins.*OLLAMA_ORIGINS/);
    let fetched = false;
    const csp = probeServer('http://10.0.0.5:8000', {
      page: { url: 'https://lab.example/', policy: "default-src 'self'; connect-src 'self'" },
      fetch: async () => {
        fetched = true;
        return new Response('');
      },
    });
    await expect(csp).rejects.toMatchObject({ reason: 'csp' });
    await expect(csp).rejects.toThrow(/RLAIF_MODEL_HOSTS=http:\/\/10\.0\.0\.5:8000/);
    expect(fetched).toBe(false);
  });

  it('refuses a server that is not OpenAI-compatible, and a non-URL', async () => {
    await expect(probeServer('http://h:80', { fetch: server({}) })).rejects.toMatchObject({
      reason: 'not-openai',
    });
    await expect(probeServer('localhost 8080', { fetch: server({}) })).rejects.toThrow(/not a URL/);
  });
});
