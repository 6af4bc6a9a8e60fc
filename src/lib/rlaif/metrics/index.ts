// Metrics for RLAIF: intervals, labeler alignment, position bias, RM accuracy, win rate,
// calibration, and confidence filters. Pure functions over plain data.
export * from './intervals';
export * from './labels';
export * from './alignment';
export * from './position';
export * from './winrate';
export * from './calibration';
export * from './filters';
