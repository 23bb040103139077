/**
 * Named secrets ("stored creds") for run-books: `secrets: [CI_TOKEN]` puts CI_TOKEN=value into the
 * steps' environment. A name is looked up in the secrets file (`server.secrets_file`, a YAML
 * mapping NAME → value that only its owner may read), then in HMS-OPS's own environment.
 * No message built here ever contains a secret value: they reach logs and terminals.
 */
import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { RunbookConfig } from "../config/types.js";
import { OpsError } from "../core/errors.js";

export { MIN_REDACT_LENGTH, type Redact, redactor } from "./steps/redact.js";

export interface SecretStore {
  /** The value of a named secret: the file's, else the environment's; undefined when neither has it. */
  get(name: string): string | undefined;
  /**
   * Every value that must be redacted: all of the file's, and the environment's for each name
   * declared at load (`names`) or looked up since. Other environment variables are not secrets.
   */
  values(): string[];
  /** `NAME=value` for each name; an OpsError naming every missing one (and `where`, e.g. the run-book). */
  resolve(names: readonly string[], where: string): Record<string, string>;
}

export interface LoadSecretsOptions {
  /** Absolute path of the secrets file (`server.secrets_file`); none means environment only. */
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Names the config declares (see {@link declaredSecrets}), so `values()` covers them from the start. */
  names?: Iterable<string>;
}

/** Secret names become environment variable names. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONFIG_KEY = "server.secrets_file";

export function loadSecrets(opts: LoadSecretsOptions): SecretStore {
  const fromFile = opts.file === undefined ? new Map<string, string>() : readSecretsFile(opts.file);
  const used = new Set<string>(opts.names);
  const fromEnv = (name: string) => {
    const v = opts.env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const get = (name: string) => {
    used.add(name);
    return fromFile.get(name) ?? fromEnv(name);
  };
  return {
    get,
    values() {
      const out = new Set(fromFile.values());
      for (const name of used) {
        const v = fromFile.has(name) ? undefined : fromEnv(name);
        if (v !== undefined) out.add(v);
      }
      return [...out];
    },
    resolve(names, where) {
      const env: Record<string, string> = {};
      const missing: string[] = [];
      for (const name of names) {
        const v = get(name);
        if (v === undefined) missing.push(name);
        else env[name] = v;
      }
      if (missing.length > 0) {
        const list = missing.map((n) => `\`${n}\``).join(", ");
        const source = opts.file === undefined ? "the environment" : `${opts.file} or the environment`;
        throw new OpsError("config_invalid", `${where}: secret ${list} not found in ${source}`, {
          details: missing.map((name) => ({
            path: `${where}.secrets`,
            message: `secret \`${name}\` not found`,
          })),
        });
      }
      return env;
    },
  };
}

/** Every secret name the run-books declare. */
export function declaredSecrets(runbooks: Readonly<Record<string, RunbookConfig>>): string[] {
  return [...new Set(Object.values(runbooks).flatMap((rb) => rb.secrets ?? []))];
}

/** Declared names the store cannot find, for a warning at load (a run that needs one fails). */
export function missingSecrets(
  runbooks: Readonly<Record<string, RunbookConfig>>,
  store: SecretStore,
): { runbook: string; name: string }[] {
  return Object.entries(runbooks).flatMap(([runbook, rb]) =>
    (rb.secrets ?? []).filter((name) => store.get(name) === undefined).map((name) => ({ runbook, name })),
  );
}

function fail(file: string, message: string): never {
  throw new OpsError("config_invalid", `secrets file ${file}: ${message}`, {
    details: [{ path: CONFIG_KEY, file, message }],
  });
}

/** Reads through one file descriptor, so the file checked is the file read. */
function readSecretsFile(file: string): Map<string, string> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(file, code === "ENOENT" ? `does not exist (check ${CONFIG_KEY})` : `cannot be read (${code})`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail(file, "is not a regular file");
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, "0");
      fail(
        file,
        `has mode ${octal}, readable or writable by group or others; it must be 0600 or stricter (fix: chmod 600 ${file})`,
      );
    }
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  return parseSecrets(file, text);
}

function parseSecrets(file: string, text: string): Map<string, string> {
  const doc = parseDocument(text);
  const [first] = doc.errors;
  if (first) {
    // Only the position and kind: the parser's own message quotes the line, which may hold a secret.
    const pos = first.linePos?.[0];
    const at = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new OpsError("config_invalid", `secrets file ${at}: invalid YAML (${first.code})`, {
      details: [
        {
          path: CONFIG_KEY,
          file,
          ...(pos && { line: pos.line, column: pos.col }),
          message: `invalid YAML (${first.code})`,
        },
      ],
    });
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return new Map();
  if (typeof data !== "object" || Array.isArray(data)) fail(file, "must be a mapping of NAME: value");
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(data)) {
    if (!NAME.test(name)) {
      fail(
        file,
        `invalid secret name ${JSON.stringify(name)} (letters, digits and _, not starting with a digit)`,
      );
    }
    if (typeof value !== "string") fail(file, `secret \`${name}\` must be a string (quote it)`);
    if (value === "") fail(file, `secret \`${name}\` is empty`);
    out.set(name, value);
  }
  return out;
}
