/** Registry of built-in matrices, addressed as `builtin:<name>`. */
import type { MatrixFile } from '../load_matrix.js';
import { AMS_MATRIX } from './ams.js';

export const BUILTIN_PREFIX = 'builtin:';

/** The default `--matrix`. */
export const DEFAULT_MATRIX_SPEC = 'builtin:ams';

export const BUILTIN_MATRICES: Readonly<Record<string, MatrixFile>> = Object.freeze({
  ams: AMS_MATRIX,
});

export { AMS_MATRIX };
