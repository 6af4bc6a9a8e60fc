// Metrics for RLAIF: intervals, labeler alignment, position bias, RM accuracy, win rate,
// calibration, confidence filters, and run summaries. Pure functions over plain data.
export * from './intervals';
export * from './labels';
export * from './alignment';
export * from './position';
export * from './winrate';
export * from './calibration';
export * from './filters';
export * from './summary';
