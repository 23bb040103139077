import { describe, expect, it } from "vitest";
import { type ParserOptions, ResponseParseError, ResponseParser } from "./parser.js";

const OPTS: ParserOptions = { head: false, keepBody: true, bodyLimit: 1024, maxHeadBytes: 4096 };

/** Feeds `text` split at every position (and whole), checking each way reads the same. */
function parseEverySplit(text: string, opts: Partial<ParserOptions> = {}, closeAtEnd = false) {
  const bytes = Buffer.from(text, "latin1");
  const outcomes = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new ResponseParser({ ...OPTS, ...opts });
    let done = p.push(bytes.subarray(0, cut));
    if (!done) done = p.push(bytes.subarray(cut));
    if (!done && closeAtEnd) done = p.end();
    outcomes.push({
      done,
      status: p.status,
      headers: p.headers,
      body: Buffer.concat(p.body).toString("latin1"),
      reusable: p.reusable,
      truncated: p.truncated,
    });
  }
  for (const o of outcomes) expect(o).toEqual(outcomes[0]);
  return outcomes[0]!;
}

describe("ResponseParser", () => {
  it("reads a Content-Length body", () => {
    const r = parseEverySplit(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    );
    expect(r).toEqual({
      done: true,
      status: 200,
      headers: { "content-type": "text/plain", "content-length": "5" },
      body: "hello",
      reusable: true,
      truncated: false,
    });
  });

  it("decodes chunked bodies with extensions and trailers", () => {
    const r = parseEverySplit(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    expect(r).toMatchObject({ done: true, body: "hello, world", reusable: true });
  });

  it("reads to the close when there is no framing, and the connection is not reused", () => {
    const open = new ResponseParser(OPTS);
    expect(open.push(Buffer.from("HTTP/1.1 200 OK\r\n\r\npartial"))).toBe(false);
    expect(open.end()).toBe(true);
    expect(open.reusable).toBe(false);
    const r = parseEverySplit("HTTP/1.0 200 OK\r\n\r\nold style", {}, true);
    expect(r).toMatchObject({ done: true, body: "old style", reusable: false });
  });

  it("has no body for HEAD, 204 and 304 whatever the headers say", () => {
    expect(parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", { head: true })).toMatchObject({
      done: true,
      body: "",
      reusable: true,
    });
    expect(parseEverySplit("HTTP/1.1 204 No Content\r\n\r\n")).toMatchObject({ done: true, status: 204 });
    expect(parseEverySplit("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")).toMatchObject({
      done: true,
      status: 304,
    });
  });

  it("skips interim 1xx responses", () => {
    const r = parseEverySplit(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    );
    expect(r).toMatchObject({ status: 201, body: "ok", headers: { "content-length": "2" } });
  });

  it("joins repeated headers, unfolds folded ones, and honours Connection", () => {
    const r = parseEverySplit(
      "HTTP/1.1 200 OK\r\nVary: a\r\nvary: b\r\nX-Long: one\r\n  two\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    expect(r.headers).toMatchObject({ vary: "a, b", "x-long": "one two" });
    expect(r.reusable).toBe(false);
    const keep = parseEverySplit("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    expect(keep.reusable).toBe(true);
  });

  it("stops at bodyLimit and marks the body truncated", () => {
    const r = parseEverySplit(`HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n${"x".repeat(3000)}`);
    expect(r).toMatchObject({ done: true, truncated: true, reusable: false });
    expect(r.body).toHaveLength(1024);
  });

  it("does not reuse a connection that sent more than the response", () => {
    const p = new ResponseParser(OPTS);
    expect(p.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE"))).toBe(true);
    expect(p.reusable).toBe(false);
  });

  it("rejects what is not HTTP/1.x", () => {
    const bad = (text: string) => () => new ResponseParser(OPTS).push(Buffer.from(text));
    expect(bad("SSH-2.0-OpenSSH\r\n\r\n")).toThrow(ResponseParseError);
    expect(bad("SSH-2.0-OpenSSH\r\n\r\n")).toThrow(/malformed status line "SSH-2.0-OpenSSH"/);
    expect(bad("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")).toThrow(/malformed header line/);
    expect(bad("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n")).toThrow(/invalid content-length/);
    expect(bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toThrow(
      /malformed chunk size/,
    );
    expect(bad(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(5000)}`)).toThrow(/header section longer than 4096 bytes/);
  });

  it("is not done when the connection closes mid-body", () => {
    const p = new ResponseParser(OPTS);
    p.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    expect(p.end()).toBe(false);
    expect(p.done).toBe(false);
  });
});
