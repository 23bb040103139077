/** Terminal output for client commands: aligned tables, colour only on a TTY and never with NO_COLOR. */
const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function painter(stream: NodeJS.WriteStream = process.stdout, env = process.env) {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== "dumb";
  return (colour: Colour | undefined, text: string) =>
    on && colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Columns padded to their widest cell; `paint` colours a cell after padding so escapes don't skew widths. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  paint?: (row: number, col: number, cell: string) => string,
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((cell, c) => {
        const padded = c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0);
        return row >= 0 && paint ? paint(row, c, padded) : padded;
      })
      .join("  ")
      .trimEnd();
  return [line(header, -1), ...rows.map((r, i) => line(r, i))].join("\n");
}

/** "3m", "2h 5m", "4d 1h": how long ago, for people. */
export function age(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - fromMs) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
