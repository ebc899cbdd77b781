export * from './main.js';
export * from './io.js';
