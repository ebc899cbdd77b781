export * from './result.js';
export * from './classify.js';
export * from './audit.js';
export * from './time.js';
export * from './server_ports.js';
export * from './evidence.js';
