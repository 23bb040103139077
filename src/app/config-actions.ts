/**
 * Applying a configuration is an audited action like any other: the entry records which files
 * and what changed (secrets redacted). The last applied config is kept so that edits made while
 * HMS-OPS was down are audited at the next start too.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { type ConfigChange, diffConfig, type OpsConfig } from "../config/index.js";
import { defineAction } from "../core/action.js";
import { redact } from "../core/redact.js";
import type { Migration } from "../store/index.js";

export const configStateMigrations: Migration[] = [
  {
    module: "config_state",
    version: 1,
    name: "last applied config",
    sql: `CREATE TABLE config_applied (
      id INTEGER PRIMARY KEY,
      digest TEXT NOT NULL,
      config TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`,
  },
];

export function configDigest(config: OpsConfig): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}

const input = z.object({
  reason: z.enum(["start", "reload"]),
  files: z.array(z.string()),
  config: z.custom<OpsConfig>((v) => typeof v === "object" && v !== null),
});

/** Records `config` as applied; the audit entry carries the diff against the previous one. */
export const applyConfigAction = defineAction<
  z.infer<typeof input>,
  { changed: boolean; changes: ConfigChange[] }
>({
  name: "config.apply",
  scope: "admin",
  input,
  async run({ ctx, input: { reason, files, config }, tx }) {
    const digest = configDigest(config);
    const last = await tx.get<{ digest: string; config: string }>(
      `SELECT digest, config FROM config_applied WHERE id = 1 ${tx.lock}`,
    );
    const changed = last?.digest !== digest;
    // An unchanged config (every plain restart) has nothing to diff or store: skipping that saves
    // a fifth of `serve` start-up on a 1,000-probe ops.yml.
    let changes: ConfigChange[] = [];
    if (changed) {
      const redacted = redact(config);
      if (last) changes = diffConfig(JSON.parse(last.config) as OpsConfig, redacted);
      await tx.run("DELETE FROM config_applied WHERE id = 1");
      await tx.run("INSERT INTO config_applied (id, digest, config, applied_at) VALUES (1, ?, ?, ?)", [
        digest,
        JSON.stringify(redacted),
        ctx.clock.now(),
      ]);
    }
    const action = !last
      ? "config.initial"
      : reason === "reload"
        ? "config.reload"
        : "config.changed_offline";
    return {
      result: { changed, changes },
      audit: {
        action: changed ? action : "config.start",
        subject: "config",
        data: { files, digest, changes },
      },
    };
  },
});
