import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, DEFAULT_MODEL_HOSTS, parseHosts } from '../../scripts/csp';

function directive(policy: string, name: string): string[] {
  const found = policy
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .find((d) => d[0] === name);
  if (!found) throw new Error(`no ${name} in ${policy}`);
  return found.slice(1);
}

describe('contentSecurityPolicy', () => {
  it('allows wasm compilation but no eval or inline script', () => {
    const scripts = directive(contentSecurityPolicy(), 'script-src');
    expect(scripts).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  });
  it('limits network access to the app, the default model hosts and the ones added', () => {
    const connect = directive(contentSecurityPolicy(['https://models.example.org']), 'connect-src');
    expect(connect).toContain("'self'");
    for (const host of DEFAULT_MODEL_HOSTS) expect(connect).toContain(host);
    expect(connect).toContain('https://models.example.org');
    expect(connect).not.toContain('*');
  });
  it('allows servers on this machine (loopback, any port) for the Server source', () => {
    const connect = directive(contentSecurityPolicy(), 'connect-src');
    expect(connect).toContain('http://127.0.0.1:*');
    expect(connect).toContain('http://localhost:*');
  });
  it('allows workers from the app and blobs', () => {
    expect(directive(contentSecurityPolicy(), 'worker-src')).toEqual(["'self'", 'blob:']);
  });
});

describe('parseHosts', () => {
  it('splits on spaces and commas', () => {
    expect(parseHosts('https://a.example, https://b.example:8443')).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(parseHosts('http://10.0.0.2:*')).toEqual(['http://10.0.0.2:*']);
    expect(parseHosts(undefined)).toEqual([]);
  });
  it('rejects anything that is not an origin', () => {
    expect(() => parseHosts("https://a.example 'unsafe-eval'")).toThrow(/not an origin/);
    expect(() => parseHosts('https://a.example/path')).toThrow(/not an origin/);
  });
});
