export * from './csv_cell.js';
export * from './csv.js';
export * from './json.js';
export * from './text.js';
export * from './table.js';
export * from './style.js';
