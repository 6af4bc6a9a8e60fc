import { describe, expect, it } from 'vitest';
import { ChromiumMissingError, findChromium } from '../../scripts/chromium';

describe('findChromium', () => {
  it('gives a one-line explanation with the install command when the binary is missing', () => {
    const env = { CHROMIUM_PATH: '/nonexistent/chromium' };
    expect(() => findChromium(env)).toThrow(ChromiumMissingError);
    try {
      findChromium(env);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain('apt-get install -y chromium');
      expect(message).toContain('/nonexistent/chromium');
    }
  });
  it('returns CHROMIUM_PATH when it exists', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });
});
