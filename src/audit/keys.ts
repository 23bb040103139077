import crypto, { type KeyObject } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OpsError } from "../core/errors.js";
import type { AuditKeys } from "./index.js";

/** In the data dir, beside ops.db: the private key (mode 0600) and its public half (PEM, shareable). */
export const PRIVATE_KEY_FILE = "audit-signing.key";
export const PUBLIC_KEY_FILE = "audit-signing.pub.pem";

/**
 * The signing keys of a data dir, created at first start. Like ssh, a private key readable or
 * writable by group or others is refused rather than used: anyone who can read it can forge
 * checkpoints. The public key file is rewritten from the private key when missing or stale.
 */
export function loadOrCreateSigningKeys(dataDir: string, opts: { create?: boolean } = {}): AuditKeys {
  const file = join(dataDir, PRIVATE_KEY_FILE);
  let pem = readPrivateKeyFile(file);
  if (pem === undefined) {
    // The CLI never creates one: a key made by another user (root) would stop the server starting.
    if (opts.create === false)
      throw keyError(file, "does not exist (the server creates it at its first start)");
    pem = createKeyFile(file);
  }
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey(pem);
  } catch (cause) {
    throw keyError(file, "is not a PEM private key", cause);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw keyError(file, `holds a ${privateKey.asymmetricKeyType ?? "symmetric"} key, not an Ed25519 key`);
  }
  const keys = keysFromPublic(crypto.createPublicKey(privateKey));
  writePublicKeyFile(join(dataDir, PUBLIC_KEY_FILE), keys.publicKeyPem);
  return {
    ...keys,
    sign: (message) => crypto.sign(null, Buffer.from(message), privateKey).toString("base64"),
  };
}

/** The public half alone, for verifying: from the data dir, or a PEM file the auditor pinned. */
export function readPublicKeyFile(file: string): AuditKeys | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw keyError(file, `cannot be read (${(err as NodeJS.ErrnoException).code})`, err);
  }
  return publicKeysFromPem(pem, file);
}

export function publicKeysFromPem(pem: string, where: string): AuditKeys {
  let key: KeyObject;
  try {
    key = crypto.createPublicKey(pem);
  } catch (cause) {
    throw keyError(where, "is not a PEM public key", cause);
  }
  if (key.asymmetricKeyType !== "ed25519") throw keyError(where, "is not an Ed25519 public key");
  return keysFromPublic(key);
}

/** The key id is the SHA-256 of the DER public key: what `openssl pkey -pubin -outform DER | sha256sum` prints. */
function keysFromPublic(publicKey: KeyObject): AuditKeys {
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    publicKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyId: crypto.createHash("sha256").update(der).digest("hex"),
  };
}

/** Reads through one descriptor, so the file whose mode is checked is the file read. */
function readPrivateKeyFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw keyError(file, code === "ELOOP" ? "is a symbolic link" : `cannot be read (${code})`, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw keyError(file, "is not a regular file");
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, "0");
      throw keyError(
        file,
        `has mode ${octal}, readable or writable by group or others; refusing to use it (fix: chmod 600 ${file})`,
      );
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/** `wx`: two processes starting at once never overwrite each other's key; the loser reads the winner's. */
function createKeyFile(file: string): string {
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      const existing = readPrivateKeyFile(file);
      if (existing !== undefined) return existing;
    }
    throw keyError(file, `cannot be created (${(err as NodeJS.ErrnoException).code})`, err);
  }
  try {
    writeFileSync(fd, pem);
  } finally {
    closeSync(fd);
  }
  return pem;
}

function writePublicKeyFile(file: string, pem: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === pem) return;
  try {
    writeFileSync(file, pem, { mode: 0o644 });
  } catch (err) {
    throw keyError(file, `cannot be written (${(err as NodeJS.ErrnoException).code})`, err);
  }
}

function keyError(file: string, message: string, cause?: unknown): OpsError {
  // The message names the file and the fix; a details line would only repeat it.
  return new OpsError("audit_key_unusable", `audit signing key ${file} ${message}`, { cause });
}
