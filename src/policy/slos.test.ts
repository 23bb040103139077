import { describe, expect, it } from "vitest";
import { type ConfigInvalidError, loadConfigText } from "../config/index.js";
import { parseCondition } from "../rules/index.js";
import { policyChangedBefore, policySlos, withPolicySlos } from "./index.js";

const load = async (yaml: string) => (await loadConfigText(yaml, "ops.yml", { env: {} })).config;
const POLICY = "policy: { source: http://127.0.0.1:9100/policy, interval: 45s";

describe("the built-in policy SLOs", () => {
  it("exist only with `policy`; warning and no siren by default; down means two intervals", async () => {
    expect(policySlos(await load("probes: []"))).toEqual([]);
    const slos = policySlos(await load(`${POLICY} }`));
    expect(slos.map((s) => [s.name, s.when, s.severity, s.siren])).toEqual([
      ["policy_drift", "policy_drift == 1", "warning", undefined],
      ["policy_source_down", "policy_source_up == 0 for 1m30s", "warning", undefined],
    ]);
    for (const s of slos) expect(() => parseCondition(s.when as string)).not.toThrow();
    expect(parseCondition(slos[1]?.when as string).for).toBe(90_000);
  });

  it("take severity and siren from ops.yml; an SLO of the same name in ops.yml replaces one", async () => {
    const config = await load(`${POLICY},
  drift: { severity: page, siren: oncall }, source_down: { severity: info } }
sirens: { oncall: { notify: [hook] } }
receivers: { hook: { type: webhook, url: "http://127.0.0.1:1/hook" } }
slos:
  - { name: policy_source_down, when: "policy_source_up == 0 for 10m", severity: page }
`);
    expect(policySlos(config)).toEqual([
      expect.objectContaining({ name: "policy_drift", severity: "page", siren: "oncall" }),
    ]);
    const extended = withPolicySlos(config);
    expect(extended.slos.map((s) => s.name)).toEqual(["policy_source_down", "policy_drift"]);
    expect(withPolicySlos(config)).toBe(extended);
  });

  it("reject an unknown siren, a legal severity and unknown keys, naming where", async () => {
    const problems = async (yaml: string) => {
      try {
        await load(yaml);
        return [];
      } catch (err) {
        return (err as ConfigInvalidError).details?.map((d) => `${d.path}: ${d.message}`) ?? [];
      }
    };
    expect(
      await problems(
        `${POLICY}, source_down: { siren: pagr } }\nsirens: { pager: { notify: [hook] } }\nreceivers: { hook: { type: webhook, url: "http://127.0.0.1:1/hook" } }`,
      ),
    ).toEqual([expect.stringMatching(/policy\.source_down\.siren.*unknown siren `pagr`.*pager/)]);
    expect(await problems(`${POLICY}, drift: { severity: legal } }`)).toEqual([
      expect.stringMatching(/policy\.drift\.severity/),
    ]);
    expect(await problems(`${POLICY}, drift: { sirens: x } }`)).toEqual([
      expect.stringMatching(/policy\.drift.*sirens/),
    ]);
  });
});

describe("policyChangedBefore", () => {
  const packet = (changedAt: string, from: string | null = "pack-1") => ({
    alert: { firedAt: "2026-01-01T12:00:00.000Z" },
    policy: { id: "pack-2", lastChange: { changedAt, from, to: "pack-2" } },
  });
  it("gives whole minutes when the change came at most 24 h before the breach", () => {
    expect(policyChangedBefore(packet("2026-01-01T11:17:30.000Z"))).toEqual({
      minutes: 42,
      from: "pack-1",
      to: "pack-2",
    });
    expect(policyChangedBefore(packet("2026-01-01T12:00:00.000Z"))?.minutes).toBe(0);
  });
  it("is null for an old change, a change after the breach, the first pack seen, or no change", () => {
    expect(policyChangedBefore(packet("2025-12-31T11:59:00.000Z"))).toBeNull();
    expect(policyChangedBefore(packet("2026-01-01T12:01:00.000Z"))).toBeNull();
    expect(policyChangedBefore(packet("2026-01-01T11:59:00.000Z", null))).toBeNull();
    expect(
      policyChangedBefore({ alert: { firedAt: "2026-01-01T12:00:00.000Z" }, policy: { id: "p" } }),
    ).toBeNull();
  });
});
