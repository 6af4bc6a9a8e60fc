// Typed errors of the policy module, so the page can say what to do.

export type PolicyErrorKind = 'no-logprobs' | 'empty' | 'mismatch';

export class PolicyError extends Error {
  constructor(
    readonly kind: PolicyErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}
