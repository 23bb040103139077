/**
 * Merges the validated files into one config: lists concatenate, mappings merge, and a name defined
 * twice (in one file or across files) is an error naming both places. Every item remembers where it
 * came from (its Origin) so later checks can still point at file:line:col.
 */
import path from "node:path";
import type { ErrorDetail } from "../core/errors.js";
import type { Env } from "./env.js";
import type { PathSeg } from "./positions.js";
import type { FileData } from "./schema/file.js";
import { parseListen, serverSchema } from "./schema/server.js";
import type { SloBody, SloDraft } from "./schema/slos.js";
import { seedCondition } from "./seed.js";
import type { OpsConfig } from "./types.js";
import { detailAt, type ParsedFile } from "./validate-file.js";

export interface Origin {
  file: ParsedFile;
  /** Where the item sits inside its file. */
  path: PathSeg[];
  /** The item's name is its mapping key rather than a `name:` field. */
  keyed?: boolean;
  /** Normalized field → source path relative to the item, where the two differ (seed SLOs). */
  fields?: Record<string, PathSeg[]>;
  /** Normalized fields the loader derived rather than read (a seed SLO's `when`). */
  generated?: readonly string[];
}

export interface Origins {
  main: ParsedFile;
  probes: Origin[];
  slos: Origin[];
  maintenance: Origin[];
  sirens: Map<string, Origin>;
  receivers: Map<string, Origin>;
  runbooks: Map<string, Origin>;
}

type Named = "probes" | "slos" | "maintenance";
type Keyed = "sirens" | "receivers" | "runbooks";
const KIND: Record<Named | Keyed, string> = {
  probes: "probe",
  slos: "SLO",
  maintenance: "maintenance window",
  sirens: "siren",
  receivers: "receiver",
  runbooks: "run-book",
};

const SEED_FIELDS: Record<string, PathSeg[]> = {
  when: ["target_ms"],
  siren: ["onFail"],
  runbook: ["onFail"],
};
const SEED_GENERATED: readonly string[] = ["when"];

export function nameDetail(o: Origin, message: string): ErrorDetail {
  return o.keyed
    ? detailAt(o.file.src, o.path, message, { key: true })
    : detailAt(o.file.src, [...o.path, "name"], message);
}

export function mergeFiles(
  files: ParsedFile[],
  env: Env,
): { config: OpsConfig; origins: Origins; errors: ErrorDetail[] } {
  const main = files[0]!;
  const errors: ErrorDetail[] = [];
  const config: OpsConfig = {
    server: buildServer(main, env, errors),
    ...(main.data?.policy && { policy: main.data.policy }),
    probes: [],
    slos: [],
    sirens: {},
    receivers: {},
    runbooks: {},
    maintenance: [],
  };
  const origins: Origins = {
    main,
    probes: [],
    slos: [],
    maintenance: [],
    sirens: new Map(),
    receivers: new Map(),
    runbooks: new Map(),
  };
  const firstByName = {
    probes: new Map<string, Origin>(),
    slos: new Map<string, Origin>(),
    maintenance: new Map<string, Origin>(),
  };

  const duplicate = (kind: Named | Keyed, name: string, first: Origin, here: Origin) => {
    const pos = first.keyed
      ? first.file.src.locate(first.path, { key: true })
      : first.file.src.locate([...first.path, "name"]);
    const where =
      first.file === here.file
        ? `line ${pos?.line}`
        : `${first.file.src.display}:${pos?.line}:${pos?.column}`;
    errors.push(nameDetail(here, `duplicate ${KIND[kind]} name \`${name}\` (first defined at ${where})`));
  };

  const addNamed = <T extends { name: string }>(kind: Named, item: T, origin: Origin) => {
    const first = firstByName[kind].get(item.name);
    if (first) {
      duplicate(kind, item.name, first, origin);
      return;
    }
    firstByName[kind].set(item.name, origin);
    (config[kind] as unknown as T[]).push(item);
    origins[kind].push(origin);
  };

  const addKeyed = <T>(kind: Keyed, entries: Record<string, T> | undefined, file: ParsedFile) => {
    for (const [name, item] of Object.entries(entries ?? {})) {
      const origin: Origin = { file, path: [kind, name], keyed: true };
      const first = origins[kind].get(name);
      if (first) {
        duplicate(kind, name, first, origin);
        continue;
      }
      origins[kind].set(name, origin);
      (config[kind] as Record<string, T>)[name] = item;
    }
  };

  for (const file of files) {
    const data = file.data as FileData;
    if (!file.isMain) {
      for (const section of ["server", "policy"] as const) {
        if (data[section]) {
          errors.push(
            detailAt(file.src, [section], `\`${section}\` is only allowed in the main config file`, {
              key: true,
            }),
          );
        }
      }
    }
    for (const [i, p] of (data.probes ?? []).entries()) addNamed("probes", p, { file, path: ["probes", i] });
    const slos = data.slos;
    if (Array.isArray(slos)) {
      for (const [i, s] of slos.entries()) addNamed("slos", s, { file, path: ["slos", i] });
    } else if (slos) {
      for (const [name, body] of Object.entries(slos)) {
        const draft = fromMapEntry(name, body);
        const origin: Origin = { file, path: file.bare ? [name] : ["slos", name], keyed: true };
        if (body.seed) {
          origin.fields = SEED_FIELDS;
          origin.generated = SEED_GENERATED;
        }
        addNamed("slos", draft, origin);
      }
    }
    for (const [i, m] of (data.maintenance ?? []).entries()) {
      addNamed("maintenance", m, { file, path: ["maintenance", i] });
    }
    addKeyed("sirens", data.sirens, file);
    addKeyed("receivers", data.receivers, file);
    addKeyed("runbooks", data.runbooks, file);
  }
  return { config, origins, errors };
}

function fromMapEntry(name: string, body: SloBody): SloDraft {
  const { seed, ...rest } = body;
  return seed ? { name, when: seedCondition(name, seed), ...rest } : { name, ...rest };
}

function buildServer(main: ParsedFile, env: Env, errors: ErrorDetail[]): OpsConfig["server"] {
  const server = main.data?.server ?? serverSchema.parse({});
  const dir = path.dirname(main.src.abs);
  const data = path.resolve(dir, server.data);
  const files = {
    data,
    ...(server.secrets_file !== undefined && { secrets_file: path.resolve(dir, server.secrets_file) }),
  };
  const override = env.HMS_OPS_LISTEN;
  if (override === undefined || override === "") return { ...server, ...files };
  try {
    return { ...server, ...files, listen: parseListen(override) };
  } catch (err) {
    errors.push({ path: "HMS_OPS_LISTEN", message: `${(err as Error).message} (from the environment)` });
    return { ...server, ...files };
  }
}
