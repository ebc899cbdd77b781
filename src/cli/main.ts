/**
 * Entry point: `main(argv, io)` parses the command line with commander and returns an exit code
 * instead of calling process.exit, so every command runs in-process in tests. The exit codes and
 * how errors map to them: cli/exit_codes.ts.
 */
import { Command, CommanderError } from 'commander';
import { FlowauditError, messageOf } from '../errors.js';
import { EXIT, exitCodeOf } from './exit_codes.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';

export { canExitNow, nodeIo } from './io.js';
export type { Io, NodeIo } from './io.js';

type Register = (program: Command, io: Io, setExit: (code: number) => void, argv: string[]) => void;

/**
 * The commands, in help order. Each module is loaded only when its command runs (all of them for
 * the full --help or an unknown command): `flowaudit audit` never loads live capture, verify or
 * discover code (start-up time; the bundle keeps each in its own chunk).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  discover: async () => (await import('./commands/discover.js')).registerDiscover,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  merge: async () => (await import('./commands/merge.js')).registerMerge,
  flows: async () => (await import('./commands/flows.js')).registerFlows,
  matrix: async () => (await import('./commands/matrix.js')).registerMatrix,
  live: async () => (await import('./commands/live.js')).registerLive,
  probe: async () => (await import('./commands/probe.js')).registerProbe,
  interfaces: async () => (await import('./commands/interfaces.js')).registerInterfaces,
  convert: async () => (await import('./commands/convert.js')).registerConvert,
};

/** Which command modules `argv` needs: its command, none for --version alone, else all. */
function commandsFor(argv: string[]): string[] {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (argv.length === 1 && (first === '-V' || first === '--version')) return [];
  return Object.keys(COMMANDS);
}

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
  const registers = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program, io, setExit, argv);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const c of program.commands.flatMap((x) => x.commands)) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return EXIT.error;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.pass;
      return EXIT.error; // commander already printed the message
    }
    if (e instanceof FlowauditError) {
      // One problem a line, each with the prefix (a matrix or inventory with several problems).
      io.stderr(`${e.message.split('\n').map((l) => `flowaudit: ${l}`).join('\n')}\n`);
      return exitCodeOf(e);
    }
    const detail = e instanceof Error && io.env.FLOWAUDIT_DEBUG ? (e.stack ?? e.message) : messageOf(e);
    io.stderr(`flowaudit: internal error: ${detail} (a bug: please report it with the command line; FLOWAUDIT_DEBUG=1 shows where)\n`);
    return exitCodeOf(e);
  }
}
