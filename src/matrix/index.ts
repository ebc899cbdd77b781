export * from './types.js';
export * from './ports.js';
export * from './load_matrix.js';
export * from './canonical_json.js';
export * from './inventory.js';
export { validateAgainstSchema, formatSchemaErrors, schemaPath, loadSchema } from './validate.js';
export type { SchemaName } from './validate.js';
export { AMS_MATRIX, BUILTIN_MATRICES, BUILTIN_PREFIX, DEFAULT_MATRIX_SPEC } from './builtin/index.js';
export * from './address_table.js';
