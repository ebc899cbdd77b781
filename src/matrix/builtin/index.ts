/** Registry of built-in matrices, addressed as `builtin:<name>`. */
import type { MatrixFile } from '../types.js';
import { AD_INFRASTRUCTURE_MATRIX } from './ad_infrastructure.js';
import { AMS_MATRIX } from './ams.js';

export const BUILTIN_PREFIX = 'builtin:';

/** The default `--matrix`. */
export const DEFAULT_MATRIX_SPEC = 'builtin:ams';

export const BUILTIN_MATRICES: Readonly<Record<string, MatrixFile>> = Object.freeze({
  ams: AMS_MATRIX,
  'ad-infrastructure': AD_INFRASTRUCTURE_MATRIX,
});

export { AD_INFRASTRUCTURE_MATRIX, AMS_MATRIX };
