import crypto from "node:crypto";
import type { AuditCheckpoint, AuditKeys } from "./index.js";

/**
 * The exact bytes a checkpoint's Ed25519 signature covers: a fixed tag, then `n`, `seq`, `hash`
 * and `ts`, each followed by "\n", in UTF-8 (docs/audit.md). `n` is signed so checkpoints cannot
 * be renumbered to hide a deleted one. Changing this breaks every existing signature: don't.
 */
export function checkpointMaterial(c: Pick<AuditCheckpoint, "n" | "seq" | "hash" | "ts">): string {
  return `hms-ops audit checkpoint v1\n${c.n}\n${c.seq}\n${c.hash}\n${c.ts}\n`;
}

/** Base64 Ed25519 signature; throws when the keys have no private half (verify-only). */
export function signCheckpoint(
  keys: AuditKeys,
  c: Pick<AuditCheckpoint, "n" | "seq" | "hash" | "ts">,
): string {
  if (!keys.sign) throw new Error("these audit keys cannot sign (public key only)");
  return keys.sign(checkpointMaterial(c));
}

/** Why a checkpoint's signature is not acceptable under `keys`, or undefined when it is. */
export function checkSignature(keys: AuditKeys, c: AuditCheckpoint): string | undefined {
  if (c.key !== keys.keyId) {
    return `signed by key ${short(c.key)}, not the trusted key ${short(keys.keyId)} (forged checkpoint or another key)`;
  }
  let good = false;
  try {
    good = crypto.verify(
      null,
      Buffer.from(checkpointMaterial(c)),
      keys.publicKey,
      Buffer.from(c.signature, "base64"),
    );
  } catch {
    good = false;
  }
  return good ? undefined : "signature does not verify (checkpoint forged or altered)";
}

function short(keyId: unknown): string {
  return typeof keyId === "string" ? keyId.slice(0, 16) : JSON.stringify(keyId);
}
