import { CliError } from '../../errors.js';
import type { Io } from '../io.js';
import type { VerifyFlags } from './verify_rerun.js';

export async function verifyEvidenceDir(dir: string, _flags: VerifyFlags, _io: Io): Promise<number> {
  throw new CliError(`${dir}: a directory, not an evidence directory`, 'input');
}
