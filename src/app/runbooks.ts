/**
 * Wires run-books (issue 5): the catalog (ops.yml + API + attachments), named secrets, the
 * trigger dispatch calls when an alert fires, and the runner that executes runs.
 */
import { hostname } from "node:os";
import type { AuditLog } from "../audit/index.js";
import type { Bus } from "../bus/index.js";
import type { OpsConfig } from "../config/index.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { RunbookTrigger } from "../dispatch/index.js";
import type { IncidentStore } from "../incidents/index.js";
import {
  httpStep,
  loadSecrets,
  RunbookCatalog,
  RunbookRunner,
  runbookTrigger,
  runStep,
  type SecretStore,
} from "../runbooks/index.js";
import { declaredSecrets, missingSecrets } from "../runbooks/secrets.js";
import type { Store } from "../store/index.js";

export interface RunbookWiring {
  catalog: RunbookCatalog;
  runner: RunbookRunner;
  trigger: RunbookTrigger;
  /** ops.yml with the attached SLOs added (memoized per config and catalog version). */
  effective(config: OpsConfig): OpsConfig;
  /** Every named secret's value (for redaction of API views and logs). */
  secretValues(): readonly string[];
  /** Re-reads the secrets file and run-books after a config (re)load. */
  applyConfig(config: OpsConfig): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RunbookWiringOptions {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  incidents: IncidentStore;
  alertFiring: (alertId: string) => boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

export function wireRunbooks(o: RunbookWiringOptions): RunbookWiring {
  const catalog = new RunbookCatalog(o.store);
  const env = o.env ?? process.env;
  let secrets: SecretStore = loadSecrets({ env });
  const runner = new RunbookRunner({
    store: o.store,
    clock: o.clock,
    logger: o.logger,
    audit: o.audit,
    incidents: o.incidents,
    executors: { run: runStep, http: httpStep },
    secrets: (names) => secrets.resolve(names, "run-book"),
    secretValues: () => secrets.values(),
    alertFiring: o.alertFiring,
    specOf: (name) => catalog.get(name)?.spec,
    nodeId: process.env.HMS_OPS_NODE_ID ?? hostname(),
    onChange: (run) =>
      void o.bus.publish("runbooks.run", { id: run.id, runbook: run.runbook, state: run.state }),
  });
  const trigger = runbookTrigger({
    catalog,
    audit: o.audit,
    incidents: o.incidents,
    logger: o.logger,
    now: () => o.clock.now(),
    created: (run) => {
      runner.watch(run);
      runner.kick();
    },
  });
  let memo: { base: OpsConfig; version: number; config: OpsConfig } | undefined;
  const unsubscribe: (() => void)[] = [];
  let started = false;

  return {
    catalog,
    runner,
    trigger,
    effective(base) {
      if (catalog.attachments().length === 0) return base;
      if (memo?.base !== base || memo.version !== catalog.version) {
        const taken = new Set(base.slos.map((s) => s.name));
        memo = {
          base,
          version: catalog.version,
          config: { ...base, slos: [...base.slos, ...catalog.attachedSlos(taken)] },
        };
      }
      return memo.config;
    },
    secretValues: () => secrets.values(),
    applyConfig(config) {
      catalog.setConfigRunbooks(config.runbooks);
      const file = config.server.secrets_file;
      try {
        secrets = loadSecrets({ env, ...(file ? { file } : {}), names: declaredSecrets(config.runbooks) });
        for (const m of missingSecrets(config.runbooks, secrets)) {
          o.logger.warn(
            m,
            `run-book ${m.runbook} names secret ${m.name}, found neither in the secrets file nor in the environment: its runs will fail`,
          );
        }
      } catch (err) {
        // At start this stops `serve` with the reason; on a reload the previous secrets stay.
        if (!started) throw err;
        o.logger.error({ err }, "secrets file rejected, keeping the secrets loaded before");
      }
    },
    async start() {
      unsubscribe.push(o.bus.subscribe("runbooks.run", () => runner.kick()));
      await runner.start();
      started = true;
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      await runner.stop();
    },
  };
}
