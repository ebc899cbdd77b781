/** The HyperLogLog lives in src/flows (the engine folds attempts with it; flows may not import audit). */
export { HLL_ERROR, HLL_P, HyperLogLog } from '../flows/hyperloglog.js';
