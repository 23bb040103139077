import type { OpsConfig, ReceiverConfig, SirenConfig, SloConfig } from "../config/index.js";

/** The slices of the live config dispatch reads; taken once per `handle` call. */
export interface DispatchConfig {
  slos: ReadonlyMap<string, SloConfig>;
  sirens: Readonly<Record<string, SirenConfig>>;
  receivers: Readonly<Record<string, ReceiverConfig>>;
  /** Base of links in notifications: `server.url`, else the listen address. */
  baseUrl: string;
  /** `server.incidents.reopen_within`. */
  reopenWithinMs: number;
}

const cache = new WeakMap<OpsConfig, DispatchConfig>();

/** The dispatch view of a loaded (frozen) config; computed once per config object. */
export function dispatchConfigFrom(config: OpsConfig): DispatchConfig {
  let view = cache.get(config);
  if (!view) {
    view = {
      slos: new Map(config.slos.map((s) => [s.name, s])),
      sirens: config.sirens,
      receivers: config.receivers,
      baseUrl: config.server.url ?? listenUrl(config.server.listen),
      reopenWithinMs: config.server.incidents?.reopen_within ?? 0,
    };
    cache.set(config, view);
  }
  return view;
}

function listenUrl({ host, port }: { host: string; port: number }): string {
  const h = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** Own-property lookup, so a siren named `constructor` cannot resolve to Object.prototype's. */
export function lookup<T>(
  record: Readonly<Record<string, T>>,
  name: string | null | undefined,
): T | undefined {
  return name != null && Object.hasOwn(record, name) ? record[name] : undefined;
}
