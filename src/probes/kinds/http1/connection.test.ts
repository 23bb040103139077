import { describe, expect, it } from "vitest";
import { type Connection, ConnectionPool, type Grant } from "./connection.js";

/** A stand-in for a connection: the pool only reads these fields and calls these methods. */
function fakeConn(key = "http://h:1") {
  const conn = {
    key,
    dead: false,
    expiresAt: 0,
    handler: undefined,
    destroyed: false,
    retired: false,
    socket: { ref() {}, unref() {} },
    destroy() {
      conn.dead = true;
      conn.destroyed = true;
    },
    retire() {
      conn.retired = true;
    },
  };
  return conn;
}
const asConn = (c: ReturnType<typeof fakeConn>) => c as unknown as Connection;

function recorder() {
  const got: (Connection | undefined | "none")[] = [];
  const grant: Grant = { granted: (c) => got.push(c) };
  return { got, grant };
}

describe("ConnectionPool", () => {
  let now = 0;
  const pool = (over: Partial<ConstructorParameters<typeof ConnectionPool>[0]> = {}) =>
    new ConnectionPool({
      idleTimeoutMs: 10_000,
      maxIdlePerKey: 2,
      maxConnectingPerKey: 2,
      now: () => now,
      ...over,
    });

  it("hands back the most recently returned connection first, per origin", () => {
    const p = pool();
    const [a, b, other] = [fakeConn(), fakeConn(), fakeConn("https://o:443")];
    p.give(asConn(a), undefined);
    p.give(asConn(b), undefined);
    p.give(asConn(other), undefined);
    expect(p.take("http://h:1")).toBe(b);
    expect(p.take("http://h:1")).toBe(a);
    expect(p.take("http://h:1")).toBeUndefined();
    expect(p.take("https://o:443")).toBe(other);
    p.close();
  });

  it("does not reuse a connection past its idle time, shortened by the server's Keep-Alive hint", () => {
    const p = pool();
    const a = fakeConn();
    now = 0;
    p.give(asConn(a), 5_000); // server: timeout=5 → kept 4 s
    now = 4_001;
    expect(p.take("http://h:1")).toBeUndefined();
    expect(a.destroyed).toBe(true);
    const b = fakeConn();
    p.give(asConn(b), 1_000); // a 1 s hint leaves no safe reuse window
    expect(b.retired).toBe(true);
    expect(p.size).toBe(0);
    p.close();
  });

  it("keeps at most maxIdlePerKey idle connections and skips dead ones", () => {
    const p = pool();
    const conns = [fakeConn(), fakeConn(), fakeConn()];
    for (const c of conns) p.give(asConn(c), undefined);
    expect(conns[2]!.retired).toBe(true);
    conns[1]!.dead = true;
    expect(p.take("http://h:1")).toBe(conns[0]);
    p.close();
  });

  it("caps connection attempts per origin; a waiter gets a returned connection or the next free slot", () => {
    const p = pool();
    const first = recorder();
    expect(p.acquire("http://h:1", first.grant)).toBeUndefined();
    expect(p.acquire("http://h:1", first.grant)).toBeUndefined();
    expect(first.got).toEqual([undefined, undefined]); // two slots: open new connections

    const third = recorder();
    const fourth = recorder();
    const fifth = recorder();
    expect(p.acquire("http://h:1", third.grant)).toBeTypeOf("function");
    expect(p.acquire("http://h:1", fourth.grant)).toBeTypeOf("function");
    const withdrawFifth = p.acquire("http://h:1", fifth.grant);
    expect(third.got).toEqual([]);

    // A finished request returns its connection: the first waiter takes it at once.
    const back = fakeConn();
    p.give(asConn(back), undefined);
    expect(third.got).toEqual([back]);
    expect(p.size).toBe(0);

    // A connect attempt ends: its slot passes to the next waiter; a withdrawn waiter gets nothing.
    withdrawFifth?.();
    p.connectDone("http://h:1");
    expect(fourth.got).toEqual([undefined]);
    p.connectDone("http://h:1");
    p.connectDone("http://h:1");
    expect(fifth.got).toEqual([]);
    // Slots are free again.
    const later = recorder();
    expect(p.acquire("http://h:1", later.grant)).toBeUndefined();
    expect(later.got).toEqual([undefined]);
    p.close();
  });

  it("close() destroys every idle connection", () => {
    const p = pool();
    const a = fakeConn();
    p.give(asConn(a), undefined);
    p.close();
    expect(a.destroyed).toBe(true);
    expect(p.size).toBe(0);
  });
});
