export * from './discover.js';
export * from './inventory_file.js';
export * from './in_audit.js';
export type { Proposal, Undecided } from './proposals.js';
export type { FeatureSuggestion } from './features.js';
