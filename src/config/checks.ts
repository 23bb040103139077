/**
 * Checks over the merged config, and the extension point for more (built in: references here,
 * condition syntax in condition-check.ts). A check sees the normalized config and reports
 * problems by *normalized* path (`["slos", 2, "when"]`); the context maps that
 * path back to the file, line and column where it was written — into included files, through
 * slos-as-a-mapping and seed-shaped entries — and, with an offset, to a character inside a string.
 */
import type { ErrorDetail } from "../core/errors.js";
import type { Origin, Origins } from "./merge.js";
import type { ConfigPath } from "./positions.js";
import { didYouMean } from "./suggest.js";
import type { OpsConfig } from "./types.js";
import { detailAt } from "./validate-file.js";

export interface ConfigCheckContext {
  /** file, line, column and source key path of a normalized config path, without a message. */
  at(path: ConfigPath, offset?: number): Omit<ErrorDetail, "message">;
  /** An error at `path`; `offset` is a character offset inside that string value (e.g. a condition). */
  error(path: ConfigPath, message: string, offset?: number): ErrorDetail;
  /** The value at `path` was derived by the loader, not written (the `when` of a seed-shaped SLO). */
  generated(path: ConfigPath): boolean;
}

/**
 * Returns the problems it finds; an empty list means the config passes. Keep checks pure: when a
 * config has any problem, a check runs twice (the fast pass, then the positioned pass, see load.ts).
 */
export type ConfigCheck = (config: OpsConfig, ctx: ConfigCheckContext) => readonly ErrorDetail[];

const LISTS = new Set(["probes", "slos", "maintenance"]);
const MAPS = new Set(["sirens", "receivers", "runbooks"]);

function valueAt(root: unknown, path: ConfigPath): unknown {
  let v = root;
  for (const seg of path)
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

export function createCheckContext(config: OpsConfig, origins: Origins): ConfigCheckContext {
  const sourceOf = (path: ConfigPath) => {
    const [section, id, ...rest] = path;
    let origin: Origin | undefined;
    if (LISTS.has(String(section)) && typeof id === "number") {
      origin = origins[section as "probes" | "slos" | "maintenance"][id];
    } else if (MAPS.has(String(section)) && typeof id === "string") {
      origin = origins[section as "sirens" | "receivers" | "runbooks"].get(id);
    }
    if (!origin) return { file: origins.main, path: [...path], key: false, mapped: false, generated: false };
    const field = rest[0];
    if (field === undefined || (field === "name" && origin.keyed)) {
      return {
        file: origin.file,
        path: origin.path,
        key: Boolean(origin.keyed),
        mapped: false,
        generated: false,
      };
    }
    const mapped = typeof field === "string" ? origin.fields?.[field] : undefined;
    const tail = mapped ? [...mapped, ...rest.slice(1)] : rest;
    return {
      file: origin.file,
      path: [...origin.path, ...tail],
      key: false,
      mapped: Boolean(mapped),
      generated: typeof field === "string" && Boolean(origin.generated?.includes(field)),
    };
  };

  const error = (path: ConfigPath, message: string, offset?: number): ErrorDetail => {
    const s = sourceOf(path);
    const value = valueAt(config, path);
    const useOffset = offset !== undefined && !s.mapped && typeof value === "string";
    return detailAt(s.file.src, s.path, message, {
      key: s.key,
      ...(useOffset && { offset, value: value as string }),
    });
  };

  return {
    error,
    generated: (path) => sourceOf(path).generated,
    at: (path, offset) => {
      const { message: _, ...where } = error(path, "", offset);
      return where;
    },
  };
}

/** Every name an SLO or siren refers to must exist; token names and secrets must be unique. */
export const crossReferenceCheck: ConfigCheck = (config, ctx) => {
  const errors: ErrorDetail[] = [];
  const probes = new Set(config.probes.map((p) => p.name));
  const known = (kind: string, name: string, names: Iterable<string>) =>
    `unknown ${kind} \`${name}\`${didYouMean(name, names)}`;
  config.slos.forEach((slo, i) => {
    if (slo.probe !== undefined && !probes.has(slo.probe)) {
      errors.push(ctx.error(["slos", i, "probe"], known("probe", slo.probe, probes)));
    }
    if (slo.siren !== undefined && !Object.hasOwn(config.sirens, slo.siren)) {
      errors.push(ctx.error(["slos", i, "siren"], known("siren", slo.siren, Object.keys(config.sirens))));
    }
    if (slo.runbook !== undefined && !Object.hasOwn(config.runbooks, slo.runbook)) {
      errors.push(
        ctx.error(["slos", i, "runbook"], known("run-book", slo.runbook, Object.keys(config.runbooks))),
      );
    }
  });
  // The built-in policy SLOs (src/policy/slos.ts) name their siren here.
  for (const key of ["drift", "source_down"] as const) {
    const siren = config.policy?.[key]?.siren;
    if (siren !== undefined && !Object.hasOwn(config.sirens, siren))
      errors.push(ctx.error(["policy", key, "siren"], known("siren", siren, Object.keys(config.sirens))));
  }
  const receivers = Object.keys(config.receivers);
  const checkReceivers = (names: readonly string[], at: ConfigPath) => {
    for (const [j, r] of names.entries()) {
      if (!Object.hasOwn(config.receivers, r))
        errors.push(ctx.error([...at, j], known("receiver", r, receivers)));
    }
  };
  for (const [name, siren] of Object.entries(config.sirens)) {
    checkReceivers(siren.notify, ["sirens", name, "notify"]);
    for (const [k, step] of siren.escalate.entries()) {
      checkReceivers(step.notify, ["sirens", name, "escalate", k, "notify"]);
    }
  }
  const tokenNames = new Map<string, number>();
  const secrets = new Map<string, number>();
  config.server.auth.tokens.forEach((t, i) => {
    const at = ["server", "auth", "tokens", i];
    const sameName = tokenNames.get(t.name);
    if (sameName !== undefined) errors.push(ctx.error([...at, "name"], `duplicate token name \`${t.name}\``));
    else tokenNames.set(t.name, i);
    const sameSecret = secrets.get(t.secret);
    if (sameSecret !== undefined) {
      const other = config.server.auth.tokens[sameSecret]?.name;
      errors.push(
        ctx.error([...at, "secret"], `token \`${t.name}\` has the same secret as token \`${other}\``),
      );
    } else secrets.set(t.secret, i);
  });
  return errors;
};
