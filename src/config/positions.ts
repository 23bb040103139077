/**
 * Key paths (`probes[3].interval`) and where they were written. The {@link SourceFile} interface is
 * what every stage reports through; the YAML-document implementation that maps a path back to
 * file:line:col lives in source.ts, which is loaded only when there is an error to position (see
 * load.ts), so a valid config never pays for building a YAML document.
 */

export type PathSeg = string | number;
export type ConfigPath = readonly PathSeg[];

export interface Position {
  line: number;
  column: number;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `probes[3].interval`, `slos.sla_wait_time.window`, `runbooks["a.b"].steps[0]`. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export interface LocateOptions {
  /** Point at the key rather than its value. */
  key?: boolean;
  /** A character offset inside the string value. */
  offset?: number;
  /** Apply `offset` only if the written value is exactly this (it may have been interpolated). */
  value?: string;
}

/** One config file as read. */
export interface SourceFile {
  /** Absolute path. */
  readonly abs: string;
  /** The path shown in errors (as given on the command line, or relative to it for includes). */
  readonly display: string;
  readonly text: string;
  /**
   * Where `path` was written: its value (or, with `key`, its key); the nearest existing parent when
   * the path does not exist. Undefined when the file was read without positions (the fast path).
   */
  locate(path: ConfigPath, opts?: LocateOptions): Position | undefined;
}
