/**
 * A `run` command to argv, for spawning without a shell. Quoting and backslash escapes work as in
 * sh; anything a shell would *interpret* — operators, redirections, globs, `$variables`,
 * substitutions, comments — is refused rather than passed on literally or silently dropped, so a
 * command never means something other than what it looks like. `shell: true` is the explicit way out.
 */
import { parse } from "shell-quote";

export type SplitCommand = { ok: true; argv: string[] } | { ok: false; error: string };

/** Marks a `$NAME` reference: shell-quote would otherwise expand it (to "" when unset). */
interface VariableRef {
  variable: string;
}

const SHELL_HINT =
  "commands run without a shell, so shell syntax is refused; quote the character to pass it " +
  "literally, read trigger data from the environment in a script, or set `shell: true` on the step";

export function splitCommand(command: string): SplitCommand {
  const refuse = (what: string) => ({
    ok: false as const,
    error: `refusing to run ${JSON.stringify(command)}: ${what}; ${SHELL_HINT}`,
  });
  const unterminated = unterminatedQuote(command);
  if (unterminated) return refuse(`unterminated ${unterminated} quote`);
  const entries = parse(command, (variable): VariableRef => ({ variable }));
  const argv: string[] = [];
  for (const entry of entries) {
    if (typeof entry === "string") {
      // shell-quote keeps backticks as text; a shell would run what is between them.
      if (entry.includes("`")) return refuse(`\`${entry}\` contains a backtick (command substitution)`);
      argv.push(entry);
    } else if ("variable" in entry) {
      return refuse(
        entry.variable === ""
          ? "`$` starts a substitution such as `$(...)`"
          : `\`$${entry.variable}\` is a variable reference`,
      );
    } else if ("comment" in entry) {
      return refuse(`\`#${entry.comment}\` would be read as a comment`);
    } else if (entry.op === "glob") {
      return refuse(`\`${entry.pattern}\` is a glob pattern`);
    } else {
      return refuse(`\`${entry.op}\` is a shell operator`);
    }
  }
  if (argv.length === 0 || argv[0] === "") return { ok: false, error: "the command is empty" };
  return { ok: true, argv };
}

/** shell-quote accepts `echo "abc` as `echo abc`; a shell would not, and neither do we. */
function unterminatedQuote(command: string): "single" | "double" | undefined {
  let quote: "'" | '"' | "$'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (quote === "$'") {
      // ANSI-C quoting (`$'it\'s'`): a backslash escapes the next character, even a quote.
      if (c === "\\") i++;
      else if (c === "'") quote = undefined;
    } else if (c === "\\") {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "$" && command[i + 1] === "'") {
      quote = "$'";
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
    }
  }
  if (quote === "'" || quote === "$'") return "single";
  if (quote === '"') return "double";
  return undefined;
}
