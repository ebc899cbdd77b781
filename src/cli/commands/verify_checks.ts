/** What `verify` found, line by line: the checks that passed, the problems, and what could not be checked. */
export class Checks {
  readonly lines: string[] = [];
  readonly problems: string[] = [];
  readonly unchecked: string[] = [];

  ok(label: string, text: string): void {
    this.lines.push(`  ${label.padEnd(10)} ${text}`);
  }

  bad(label: string, text: string, problem: string): void {
    this.lines.push(`  ${label.padEnd(10)} ${text}`);
    this.problems.push(problem);
  }

  skip(label: string, text: string, what: string): void {
    this.lines.push(`  ${label.padEnd(10)} ${text}`);
    this.unchecked.push(what);
  }

  note(text: string): void {
    this.lines.push(`  note: ${text}`);
  }

  /** The last line and the exit code: 0 verified, 1 a problem, 3 nothing wrong but something could not be checked. */
  verdict(): { line: string; code: number } {
    if (this.problems.length > 0) return { line: `NOT verified: ${this.problems.join('; ')}`, code: 1 };
    if (this.unchecked.length > 0) return { line: `NOT verified as a whole (nothing found wrong in what was checked): ${this.unchecked.join('; ')}`, code: 3 };
    return { line: 'verified', code: 0 };
  }
}
