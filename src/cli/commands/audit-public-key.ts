import { join } from "node:path";
import { PUBLIC_KEY_FILE } from "../../audit/index.js";
import { OpsError } from "../../core/errors.js";
import { type DataDirOptions, dataDirOf, trustedKey } from "./audit-data.js";

/** Prints the PEM public key checkpoints are signed with, to hand to auditors. */
export async function auditPublicKey(opts: DataDirOptions): Promise<number> {
  const dataDir = await dataDirOf(opts);
  const { keys } = await trustedKey(dataDir, undefined);
  if (!keys) {
    throw new OpsError(
      "not_found",
      `no audit public key at ${join(dataDir, PUBLIC_KEY_FILE)} (the server creates the key pair at its first start)`,
    );
  }
  process.stdout.write(keys.publicKeyPem);
  process.stderr.write(`key ${keys.keyId} (Ed25519)\n`);
  return 0;
}
