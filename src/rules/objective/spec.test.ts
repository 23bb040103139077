import { describe, expect, it } from "vitest";
import { formatConfigErrors, loadConfigText } from "../../config/index.js";
import { compileObjective } from "./spec.js";

const yaml = (period: string) => `
probes:
  - { name: web, type: http, target: "http://127.0.0.1:9/" }
slos:
  - name: avail
    probe: web
    objective: 99.9%
    good: "ok == 1 and latency <= 250ms"
    ${period}
`;

describe("objective SLO config", () => {
  it("reads period: month as the UTC calendar month, with the 30-day windows", async () => {
    const { config: cfg } = await loadConfigText(yaml("period: month"), "/tmp/ops.yml");
    const slo = cfg.slos[0];
    expect(slo).toMatchObject({ period: 30 * 86_400_000, calendar: "month" });
    const spec = slo && compileObjective(slo);
    expect(spec?.period).toEqual({ kind: "month" });
    expect(spec?.conditions.page).toBe("burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m (page)");
    expect(spec?.minEvents).toBe(100);
  });

  it("scales the windows of a rolling 7-day period", async () => {
    const { config: cfg } = await loadConfigText(yaml("period: 7d\n    min_events: 20"), "/tmp/ops.yml");
    const spec = cfg.slos[0] && compileObjective(cfg.slos[0]);
    expect(spec?.period).toEqual({ kind: "rolling", ms: 7 * 86_400_000 });
    expect(spec?.conditions.ticket).toBe(
      "burn rate 3x over 5h36m and 28m, or 1x over 16h48m and 1h24m (ticket)",
    );
    expect(spec?.minEvents).toBe(20);
  });

  it("refuses a period that is neither a duration nor month", async () => {
    const err = await loadConfigText(yaml("period: fortnight"), "/tmp/ops.yml").catch((e: unknown) => e);
    expect(formatConfigErrors(err)).toMatch(/slos\.0\.period|slos\[0\]\.period/);
  });
});
