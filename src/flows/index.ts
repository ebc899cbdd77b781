export * from './conn_state.js';
export * from './direction.js';
export * from './connection_table.js';
export * from './connection.js';
export * from './flow_engine.js';
export * from './ingest.js';
export * from './facts.js';
export * from './file_hash.js';
