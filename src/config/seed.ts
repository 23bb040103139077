/**
 * Seed 000's rule file shape (`rules/slo.yml`):
 *
 *     sla_wait_time: { target_ms: 60000, window: 60, onFail: compliance_siren }
 *
 * is an SLO on the free-standing pushed metric of that name: `avg(sla_wait_time) > 60000ms over 60s`.
 * `onFail` names a siren or a run-book (`onFail: rollback`), resolved once every file is merged.
 */
import type { ErrorDetail } from "../core/errors.js";
import type { ConfigCheckContext } from "./checks.js";
import { SECTION_NAMES } from "./schema/file.js";
import { SEED_KEYS, type SeedRule, type SloDraft } from "./schema/slos.js";
import { didYouMean } from "./suggest.js";
import type { OpsConfig } from "./types.js";

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A file whose top-level keys are SLO names rather than sections, in the seed's shape. */
export function isBareSeedFile(value: unknown): value is Record<string, unknown> {
  if (!isMapping(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0 || keys.some((k) => SECTION_NAMES.includes(k))) return false;
  return Object.values(value).some((v) => isMapping(v) && SEED_KEYS.some((k) => k in v));
}

export function seedCondition(name: string, rule: SeedRule): string {
  return `avg(${name}) > ${rule.target_ms}ms over ${rule.window}`;
}

/** Turns each `onFail` into `siren` or `runbook`; reports the ones that name neither. */
export function resolveOnFail(config: OpsConfig, ctx: ConfigCheckContext): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  config.slos.forEach((slo: SloDraft, i) => {
    const target = slo.onFail;
    if (target === undefined) return;
    delete slo.onFail;
    const siren = Object.hasOwn(config.sirens, target);
    const runbook = Object.hasOwn(config.runbooks, target);
    if (siren && runbook) {
      errors.push(
        ctx.error(["slos", i, "siren"], `onFail \`${target}\` is both a siren and a run-book; rename one`),
      );
    } else if (siren) {
      slo.siren = target;
    } else if (runbook) {
      slo.runbook = target;
    } else {
      errors.push(
        ctx.error(
          ["slos", i, "siren"],
          `onFail \`${target}\` names neither a siren nor a run-book${nearby(target, config)}`,
        ),
      );
    }
  });
  return errors;
}

function nearby(target: string, config: OpsConfig): string {
  const names = [...Object.keys(config.sirens), ...Object.keys(config.runbooks)];
  return didYouMean(target, names) || (names.length === 0 ? " (none are defined)" : "");
}
