/**
 * An incremental HTTP/1.x response parser (RFC 9112) for the probe client: status line, header
 * section, and the body framed by Content-Length, chunked transfer coding, or the connection's
 * close. Interim 1xx responses are skipped. It keeps only what a probe judges: status, headers,
 * and (when asked) the first `bodyLimit` bytes of the body.
 */

export class ResponseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResponseParseError";
  }
}

export interface ParserOptions {
  /** The request was HEAD: the response has no body whatever its headers say. */
  head: boolean;
  keepBody: boolean;
  /** Body bytes read at most; beyond it the response counts as done and `truncated` is set. */
  bodyLimit: number;
  /** Largest header section accepted, bytes. */
  maxHeadBytes: number;
}

type State =
  | "head"
  | "length"
  | "chunk-size"
  | "chunk-data"
  | "chunk-crlf"
  | "trailers"
  | "until-close"
  | "done";

const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");

/** The status of `HTTP/1.x NNN[ reason]` ending at `eol`, or -1. */
function statusOf(head: string, eol: number): number {
  if (eol < 12 || !head.startsWith("HTTP/1.") || head.charCodeAt(8) !== 32) return -1;
  const minor = head.charCodeAt(7);
  if (minor !== 48 && minor !== 49) return -1;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = head.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    status = status * 10 + d;
  }
  const after = head.charCodeAt(12);
  return eol === 12 || after === 32 || after === 9 ? status : -1;
}

export class ResponseParser {
  status = 0;
  /** Minor version: 0 or 1. */
  minor = 1;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string> = {};
  body: Buffer[] = [];
  bodyBytes = 0;
  truncated = false;
  /** Set when done: the connection may carry another request. */
  reusable = false;

  private state: State = "head";
  private pending: Buffer | undefined;
  private remaining = 0;
  private closeDelimited = false;

  constructor(private readonly opts: ParserOptions) {}

  get done(): boolean {
    return this.state === "done";
  }

  /** Feeds bytes from the connection; returns true once the response is complete. */
  push(chunk: Buffer): boolean {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (data.length > 0 && this.state !== "done") {
      data = this.step(data);
    }
    // Bytes after a complete response: the connection is out of step; do not reuse it.
    if (this.state === "done" && data.length > 0) this.reusable = false;
    return this.state === "done";
  }

  /** The connection closed. Returns true when that completed the response (a close-delimited body). */
  end(): boolean {
    if (this.state === "until-close") {
      this.finish();
      this.reusable = false;
      return true;
    }
    return this.state === "done";
  }

  /** Consumes a prefix of `data` in the current state; returns the rest (leftovers are kept in `pending`). */
  private step(data: Buffer): Buffer {
    switch (this.state) {
      case "head":
        return this.readHead(data);
      case "length": {
        const n = Math.min(this.remaining, data.length);
        this.onBody(data.subarray(0, n));
        this.remaining -= n;
        if (this.remaining === 0 && this.state === "length") this.finish();
        return data.subarray(n);
      }
      case "until-close":
        this.onBody(data);
        return data.subarray(data.length);
      case "chunk-size": {
        const eol = data.indexOf(CRLF);
        if (eol < 0) return this.keep(data, 1024, "chunk size line");
        const line = data.toString("latin1", 0, eol);
        const hex = line.split(";", 1)[0]?.trim() ?? "";
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex))
          throw new ResponseParseError(`malformed chunk size ${JSON.stringify(line)}`);
        this.remaining = Number.parseInt(hex, 16);
        this.state = this.remaining === 0 ? "trailers" : "chunk-data";
        return data.subarray(eol + 2);
      }
      case "chunk-data": {
        const n = Math.min(this.remaining, data.length);
        this.onBody(data.subarray(0, n));
        this.remaining -= n;
        if (this.remaining === 0 && this.state === "chunk-data") this.state = "chunk-crlf";
        return data.subarray(n);
      }
      case "chunk-crlf": {
        if (data.length < 2) return this.keep(data, 2, "chunk end");
        if (data[0] !== 13 || data[1] !== 10) throw new ResponseParseError("chunk not followed by CRLF");
        this.state = "chunk-size";
        return data.subarray(2);
      }
      case "trailers": {
        const eol = data.indexOf(CRLF);
        if (eol < 0) return this.keep(data, this.opts.maxHeadBytes, "trailer section");
        if (eol === 0) this.finish();
        return data.subarray(eol + 2);
      }
      default:
        return data.subarray(data.length);
    }
  }

  private keep(data: Buffer, max: number, what: string): Buffer {
    if (data.length > max) throw new ResponseParseError(`${what} longer than ${max} bytes`);
    this.pending = Buffer.from(data);
    return data.subarray(data.length);
  }

  private readHead(data: Buffer): Buffer {
    const end = data.indexOf(CRLFCRLF);
    if (end < 0) return this.keep(data, this.opts.maxHeadBytes, "response header section");
    if (end > this.opts.maxHeadBytes) {
      throw new ResponseParseError(`response header section longer than ${this.opts.maxHeadBytes} bytes`);
    }
    // Parsed by index rather than split/regex: a few strings per response, not an array of lines.
    const head = data.toString("latin1", 0, end);
    let eol = head.indexOf("\r\n");
    if (eol < 0) eol = head.length;
    const status = statusOf(head, eol);
    if (status < 0)
      throw new ResponseParseError(
        `malformed status line ${JSON.stringify(head.slice(0, Math.min(eol, 80)))}`,
      );
    const headers: Record<string, string> = {};
    let last = "";
    for (let pos = eol + 2; pos < head.length; pos = eol + 2) {
      eol = head.indexOf("\r\n", pos);
      if (eol < 0) eol = head.length;
      const first = head.charCodeAt(pos);
      if ((first === 32 || first === 9) && last) {
        headers[last] += ` ${head.slice(pos, eol).trim()}`; // obsolete line folding
        continue;
      }
      const colon = head.indexOf(":", pos);
      if (colon <= pos || colon > eol) {
        throw new ResponseParseError(
          `malformed header line ${JSON.stringify(head.slice(pos, Math.min(eol, pos + 80)))}`,
        );
      }
      const name = head.slice(pos, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, eol).trim();
      const seen = headers[name];
      headers[name] = seen === undefined ? value : `${seen}, ${value}`;
      last = name;
    }
    const rest = data.subarray(end + 4);
    if (status >= 100 && status < 200 && status !== 101) return rest; // interim response: the real one follows
    this.status = status;
    this.minor = head.charCodeAt(7) - 48;
    this.headers = headers;
    this.frame();
    return rest;
  }

  /** Chooses how the body ends (RFC 9112 §6.3). */
  private frame(): void {
    const s = this.status;
    if (this.opts.head || s === 204 || s === 304 || s === 101) {
      this.finish();
      return;
    }
    const te = this.headers["transfer-encoding"];
    if (te !== undefined) {
      const codings = te.toLowerCase().split(",");
      if (codings[codings.length - 1]?.trim() === "chunked") {
        this.state = "chunk-size";
        return;
      }
      this.untilClose();
      return;
    }
    const cl = this.headers["content-length"];
    if (cl !== undefined) {
      const values = new Set(cl.split(",").map((v) => v.trim()));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
        throw new ResponseParseError(`invalid content-length ${JSON.stringify(cl)}`);
      }
      this.remaining = Number(only);
      if (this.remaining === 0) this.finish();
      else this.state = "length";
      return;
    }
    this.untilClose();
  }

  private untilClose(): void {
    this.closeDelimited = true;
    this.state = "until-close";
  }

  private onBody(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.opts.bodyLimit - this.bodyBytes;
    if (this.opts.keepBody)
      this.body.push(Buffer.from(bytes.length > room ? bytes.subarray(0, room) : bytes));
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.opts.bodyLimit) {
      this.truncated = true;
      this.finish();
      this.reusable = false;
    }
  }

  private finish(): void {
    this.state = "done";
    const connection = (this.headers.connection ?? "").toLowerCase();
    this.reusable =
      !this.closeDelimited &&
      !this.truncated &&
      (this.minor === 1 ? !connection.includes("close") : connection.includes("keep-alive"));
  }
}
