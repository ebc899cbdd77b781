import type { Command } from 'commander';
import { renderMatrix } from '../../report/matrix_report.js';
import type { Io } from '../io.js';
import { chooseFormat, collectRepeat, loadPolicy } from '../options.js';

const FORMATS = ['text', 'json', 'csv'] as const;

export function registerMatrix(program: Command, io: Io, setExit: (code: number) => void): void {
  const matrix = program.command('matrix').description('inspect flow matrices');
  matrix
    .command('show')
    .description('print a matrix (default builtin:ams); --format json gives the editable file format')
    .option('-m, --matrix <spec>', 'matrix file or builtin:ams (repeatable: merged)', collectRepeat)
    .option('-f, --format <format>', 'text, json or csv (default text)')
    .action((flags: { matrix?: string[]; format?: string }) => {
      const format = chooseFormat(flags.format, FORMATS, 'text');
      const { matrix: m } = loadPolicy(flags.matrix, undefined, []);
      io.stdout(renderMatrix(m, format));
      setExit(0);
    });
}
