/**
 * The unit-bearing scalars of ops.yml: durations (`1h30m` → ms), percentages (`99.9%` → 0.999) and
 * byte sizes (`512kb` → bytes). Parsing is exact on the decimal text so `99.9%` never becomes
 * 0.9990000000000001 and a duration never gains a stray fraction of a millisecond.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

const FULL = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** For editors: the JSON Schema pattern of a duration string. */
export const DURATION_PATTERN = "^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$";
export const DURATION_HINT = "use 500ms, 5s, 3m, 2h, 30d";

/** `500ms`, `5s`, `3m`, `2h`, `30d`, and combinations such as `1h30m`, to whole milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === "0") return 0;
  if (!FULL.test(s)) throw new Error(`invalid duration ${JSON.stringify(text)} (${DURATION_HINT})`);
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
  if (!Number.isSafeInteger(Math.round(total)))
    throw new Error(`duration ${JSON.stringify(text)} is too long`);
  return Math.round(total);
}

/** The shortest unit combination that reads back to `ms` exactly: 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot format duration ${ms}`);
  let rest = Math.round(ms);
  if (rest === 0) return "0s";
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Shifts the decimal point of a plain decimal string left by `places`, without float arithmetic. */
function shiftDecimal(digits: string, places: number): number {
  const [int = "0", frac = ""] = digits.split(".");
  const padded = int.padStart(places + 1, "0");
  const cut = padded.length - places;
  return Number(`${padded.slice(0, cut)}.${padded.slice(cut)}${frac}`);
}

/** `99.9%` → 0.999 exactly (as exactly as a double can hold the decimal). */
export function parsePercent(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m?.[1]) throw new Error(`invalid percentage ${JSON.stringify(text)} (write it like 99.9%)`);
  return shiftDecimal(m[1], 2);
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `512kb`, `1mb`, `1MiB` → bytes (binary multiples, as HTTP servers count body limits). */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = BYTE_UNITS[(m?.[2] || "b").toLowerCase()];
  if (!m?.[1] || unit === undefined) {
    throw new Error(`invalid size ${JSON.stringify(text)} (use a number of bytes, or 512kb, 1mb, 1gb)`);
  }
  return Math.round(Number(m[1]) * unit);
}
