// The Content-Security-Policy of the built site: scripts, workers and wasm from the app itself only,
// network access to the app and the model hosts a user may load from (Hugging Face for ONNX models
// and datasets, GitHub raw for web-llm's prebuilt model libraries), plus any the deployer adds.

/** Hosts a user's browser may fetch models and datasets from, unless the deployer narrows them. */
export const DEFAULT_MODEL_HOSTS = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://raw.githubusercontent.com',
];

/**
 * A server on the user's own machine (llama.cpp, Ollama, vLLM on localhost), any port: loopback
 * reaches only that machine, so allowing it opens no route to a third party.
 */
export const LOCAL_SERVER_HOSTS = ['http://127.0.0.1:*', 'http://localhost:*'];

/** Parse `RLAIF_MODEL_HOSTS` ("https://a.example https://b.example", commas allowed). */
export function parseHosts(value: string | undefined): string[] {
  if (!value) return [];
  const hosts = value.split(/[\s,]+/).filter(Boolean);
  for (const host of hosts) {
    if (!/^https?:\/\/[\w.*-]+(:(\d+|\*))?$/.test(host)) {
      throw new Error(
        `RLAIF_MODEL_HOSTS: "${host}" is not an origin like https://models.example.org`,
      );
    }
  }
  return hosts;
}

export function contentSecurityPolicy(extraHosts: string[] = []): string {
  const connect = [
    "'self'",
    'blob:',
    'data:',
    ...DEFAULT_MODEL_HOSTS,
    ...LOCAL_SERVER_HOSTS,
    ...extraHosts,
  ];
  return [
    "default-src 'self'",
    // wasm-unsafe-eval lets onnxruntime-web and web-llm compile WebAssembly; nothing else is eval'd.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    `connect-src ${connect.join(' ')}`,
    "img-src 'self' data: blob:",
    // Inline style attributes carry bar widths and chart geometry; no inline script is allowed.
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}
