import { describe, expect, it } from "vitest";
import { rng } from "../harness.case.js";
import { ByteReader, ByteWriter, MAX_ZIGZAG } from "./bytes.js";
import { decodeChunk, encodeChunk } from "./chunk.js";
import { emptyAggs, HOUR_MS, MINUTE_MS, minutesOf } from "./minutes.js";
import { DAY_MS, decodeRollup, encodeRollup } from "./rollup.js";
import { decodeValues, encodeValues, quantumScale } from "./values.js";

function roundTrip(values: number[], scale?: number): Float64Array {
  const w = new ByteWriter(8);
  encodeValues(w, values, 0, values.length, scale);
  const out = new Float64Array(values.length);
  const r = new ByteReader(w.finish());
  decodeValues(r, values.length, out, 0);
  expect(r.done).toBe(true);
  return out;
}

function bytesOf(values: number[], scale?: number): number {
  const w = new ByteWriter(8);
  encodeValues(w, values, 0, values.length, scale);
  return w.pos;
}

describe("varints", () => {
  it("round-trips unsigned and zigzag values up to the exact limits", () => {
    const rand = rng(1);
    const samples = [0, 1, 127, 128, 255, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 52, 2 ** 53 - 1];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(rand() * 2 ** (1 + Math.floor(rand() * 52))));
    const w = new ByteWriter(4);
    for (const n of samples) w.uvar(n);
    const signed = samples.filter((n) => n <= MAX_ZIGZAG).flatMap((n) => [n, -n]);
    for (const n of signed) w.svar(n);
    const r = new ByteReader(w.finish());
    for (const n of samples) expect(r.uvar()).toBe(n);
    for (const n of signed) expect(r.svar()).toBe(n === 0 ? 0 : n);
    expect(r.done).toBe(true);
  });

  it("costs one byte for small magnitudes of either sign", () => {
    const w = new ByteWriter();
    for (const n of [0, 1, -1, 63, -64]) w.svar(n);
    expect(w.pos).toBe(5);
    w.svar(64);
    expect(w.pos).toBe(7);
  });

  it("refuses truncated input instead of reading garbage", () => {
    const w = new ByteWriter();
    w.uvar(300);
    const r = new ByteReader(w.finish().subarray(0, 1));
    expect(() => r.uvar()).toThrow(/truncated/);
  });
});

describe("value columns", () => {
  it("round-trips integral, negative, huge and repeated values exactly", () => {
    const rand = rng(2);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rand() * 300);
      const kind = round % 5;
      const values = Array.from({ length: n }, () => {
        if (kind === 0) return Math.floor(rand() * 2); // ok-style 0/1
        if (kind === 1) return Math.floor((rand() - 0.5) * 2 ** 40); // big signed integers
        if (kind === 2) return [200, 200, 200, 503][Math.floor(rand() * 4)] as number;
        if (kind === 3) return Math.round((rand() - 0.5) * 1e9) / 1000; // 3 decimals, negative too
        return 42.5; // constant
      });
      expect(Array.from(roundTrip(values))).toEqual(values);
    }
  });

  it("keeps any double exactly when it fits no compact form (huge, tiny)", () => {
    const values = [1e300, -2.5e-300, 5e-324, Number.MAX_VALUE, 0.1, 123456789.12345679];
    expect(Array.from(roundTrip(values))).toEqual(values);
  });

  it("keeps NaN and ±Infinity exactly without giving up the compact form of the rest", () => {
    const values = [1, 2, Number.NaN, 3, Infinity, 4, -Infinity, Number.NaN];
    const out = roundTrip(values);
    expect(Array.from(out)).toEqual(values);
    expect(bytesOf(values)).toBeLessThan(20);
    expect(Array.from(roundTrip([Number.NaN, Number.NaN]))).toEqual([Number.NaN, Number.NaN]);
  });

  it("rounds noisy ms timings to the declared quantum (0.001 → at most 0.5 µs off)", () => {
    const rand = rng(3);
    const values = Array.from({ length: 500 }, () => 20 + rand() * 400);
    const out = roundTrip(values, quantumScale(0.001));
    values.forEach((v, i) => {
      expect(Math.abs((out[i] as number) - v)).toBeLessThanOrEqual(0.0005 + 1e-12);
    });
    // Values already on the quantum (a probe that rounds to µs) come back exactly.
    const rounded = values.map((v) => Math.round(v * 1000) / 1000);
    expect(Array.from(roundTrip(rounded, 3))).toEqual(rounded);
  });

  it("without a declared precision, keeps 6 significant digits of the column's largest value", () => {
    const rand = rng(4);
    const values = Array.from({ length: 300 }, () => (rand() - 0.5) * 0.02); // |v| < 0.01
    const out = roundTrip(values);
    const quantum = 10 ** (Math.ceil(Math.log10(Math.max(...values.map(Math.abs)))) - 6);
    values.forEach((v, i) => {
      expect(Math.abs((out[i] as number) - v)).toBeLessThanOrEqual(quantum / 2 + 1e-15);
    });
  });

  it("compacts what the metrics of a probe look like", () => {
    expect(bytesOf(new Array(1000).fill(1))).toBeLessThan(8); // ok: constant
    expect(bytesOf(new Array(1000).fill(200))).toBeLessThan(8); // status: constant
    const flap = Array.from({ length: 1000 }, (_, i) => (i % 97 === 0 ? 0 : 1));
    expect(bytesOf(flap)).toBeLessThanOrEqual(1010); // one byte per sample before deflate
  });

  it("refuses a precision quantum that is not a power of ten", () => {
    expect(quantumScale(0.001)).toBe(3);
    expect(quantumScale(10)).toBe(-1);
    expect(() => quantumScale(0.005)).toThrow(/power of ten/);
    expect(() => quantumScale(0)).toThrow(/power of ten/);
  });
});

describe("chunks", () => {
  function jittered(n: number, start: number, interval: number, seed: number): number[] {
    const rand = rng(seed);
    return Array.from({ length: n }, (_, i) => start + i * interval + Math.floor(rand() * 15));
  }

  it("round-trips groups of series with shared and own timestamps, with and without deflate", () => {
    const rand = rng(5);
    for (let round = 0; round < 60; round++) {
      const n = 1 + Math.floor(rand() * 400);
      const shared = jittered(n, 1_767_225_600_000, 30_000, round);
      const own = jittered(Math.max(1, n >> 1), 1_767_225_600_000 - 5_000, 7_000, round + 1000);
      const series = [
        { id: 9, ts: shared, values: shared.map(() => Math.round(rand() * 500_000) / 1000), n },
        { id: 3, ts: shared, values: shared.map(() => (rand() < 0.01 ? 0 : 1)), n },
        { id: 12, ts: own, values: own.map(() => Math.round((rand() - 0.5) * 1e8) / 100), n: own.length },
      ];
      const blob = encodeChunk(series, { deflate: round % 2 === 0 });
      const decoded = decodeChunk(blob);
      expect(decoded.map((d) => d.id)).toEqual([3, 9, 12]);
      for (const d of decoded) {
        const src = series.find((s) => s.id === d.id)!;
        expect(Array.from(d.ts)).toEqual(src.ts.slice(0, src.n));
        expect(Array.from(d.values)).toEqual(src.values.slice(0, src.n));
      }
    }
  });

  it("stores a timestamp column once for the metrics of a probe result", () => {
    const ts = jittered(256, 1_767_225_600_000, 30_000, 6);
    const one = encodeChunk([{ id: 1, ts, values: ts.map(() => 1), n: ts.length }], { deflate: false });
    const eight = encodeChunk(
      Array.from({ length: 8 }, (_, k) => ({ id: k + 1, ts, values: ts.map(() => 1), n: ts.length })),
      { deflate: false },
    );
    // Seven more constant columns cost a few bytes each, not another 256 timestamps each.
    expect(eight.length - one.length).toBeLessThan(7 * 12);
  });

  it("decodes only the series asked for, and rejects an unknown version", () => {
    const ts = [1000, 2000, 3000];
    const blob = encodeChunk(
      [
        { id: 1, ts, values: [1, 2, 3], n: 3 },
        { id: 2, ts, values: [4, 5, 6], n: 3 },
      ],
      { deflate: false },
    );
    expect(decodeChunk(blob, (id) => id === 2).map((d) => [d.id, Array.from(d.values)])).toEqual([
      [2, [4, 5, 6]],
    ]);
    const bad = blob.slice();
    bad[0] = 0x70;
    expect(() => decodeChunk(bad)).toThrow(/version/);
  });
});

describe("rollups", () => {
  const day = Date.UTC(2026, 0, 1);
  const hour = Date.UTC(2026, 0, 1, 10);

  it("round-trips per-minute count, sum, min, max and last for 1, 2 and many samples a minute", () => {
    const rand = rng(7);
    for (let round = 0; round < 40; round++) {
      const perMinute = [1, 2, 3, 12][round % 4] as number;
      const ts: number[] = [];
      const values: number[] = [];
      const gaps = [0.2, 0, 0.95][round % 3] as number;
      for (let m = 0; m < 1440; m += round % 5 === 0 ? 1 : 7) {
        if (rand() < gaps) continue;
        for (let k = 0; k < perMinute; k++) {
          ts.push(day + m * MINUTE_MS + Math.floor(((k + rand()) * MINUTE_MS) / perMinute));
          values.push(round % 3 === 0 ? (rand() < 0.05 ? 0 : 1) : Math.round(rand() * 1e6) / 1000);
        }
      }
      const aggs = minutesOf(ts, values, ts.length, day, day + DAY_MS);
      const blob = encodeRollup(day, [
        { id: 5, aggs, scale: 3 },
        { id: 2, aggs: emptyAggs() },
      ]);
      const back = decodeRollup(blob, day);
      expect([...back.keys()]).toEqual([5]);
      const got = back.get(5)!;
      expect(got.t).toEqual(aggs.t);
      expect(got.count).toEqual(aggs.count);
      expect(got.min).toEqual(aggs.min);
      expect(got.max).toEqual(aggs.max);
      expect(got.last).toEqual(aggs.last);
      got.sum.forEach((s, i) => {
        expect(Math.abs(s - (aggs.sum[i] as number))).toBeLessThanOrEqual(0.0005);
      });
    }
  });

  it("counts ones as the sum of a 0/1 series and skips NaN samples", () => {
    const ts = [hour, hour + 10_000, hour + 20_000, hour + 30_000];
    const aggs = minutesOf(ts, [1, 0, Number.NaN, 1], 4, hour, hour + HOUR_MS);
    expect(aggs).toMatchObject({ t: [hour], count: [3], sum: [2], min: [0], max: [1], last: [1] });
  });

  it("refuses minutes outside the day", () => {
    const aggs = minutesOf([day + DAY_MS], [1], 1, 0, Number.MAX_SAFE_INTEGER);
    expect(() => encodeRollup(day, [{ id: 1, aggs }])).toThrow(/outside day/);
  });
});
