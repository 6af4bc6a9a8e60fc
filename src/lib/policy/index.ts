// Policy improvement on finite candidate sets: sampling with log-probs, the paper's objective
// and its closed-form optimum, REINFORCE on a linear softmax policy, and win-rate evaluation.
export * from './candidates';
export * from './distribution';
export * from './errors';
export * from './evaluate';
export * from './export';
export * from './features';
export * from './objective';
export * from './reinforce';
export * from './rewards';
