/**
 * Entry point: `main(argv, io)` parses the command line with commander and returns an exit code
 * (0 pass, 1 audit failed, 2 usage or input error) instead of calling process.exit, so every
 * command runs in-process in tests.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerAudit } from './commands/audit.js';
import { registerDiscover } from './commands/discover.js';
import { registerFlows } from './commands/flows.js';
import { registerInterfaces } from './commands/interfaces.js';
import { registerLive } from './commands/live.js';
import { registerMatrix } from './commands/matrix.js';
import { registerVerify } from './commands/verify.js';
import type { Io } from './io.js';

export { nodeIo } from './io.js';
export type { Io } from './io.js';

export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('flowaudit')
    .description('Audit network traffic against an expected flow matrix (built in: Lithnet Access Manager)')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run flowaudit --help for usage)');
  registerAudit(program, io, setExit, argv);
  registerDiscover(program, io, setExit, argv);
  registerVerify(program, io, setExit);
  registerFlows(program, io, setExit);
  registerMatrix(program, io, setExit);
  registerLive(program, io, setExit, argv);
  registerInterfaces(program, io, setExit);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const c of program.commands.flatMap((x) => x.commands)) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (e instanceof CliError) {
      io.stderr(`flowaudit: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr(`flowaudit: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}
