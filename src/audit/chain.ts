import crypto from "node:crypto";

/** The `prev` of entry 1. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainFields {
  prev: string;
  seq: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  /** The stored JSON text, byte for byte. */
  data: string;
}

/**
 * The exact bytes that are hashed: the seven fields, each followed by "\n", in UTF-8. One field
 * per line (actor, action and subject may not contain line breaks; JSON never does) keeps it
 * unambiguous and lets an auditor rebuild it with the sqlite3 shell (README.md). Changing this
 * breaks every existing trail: don't.
 */
export function hashedMaterial(f: ChainFields): string {
  return `${f.prev}\n${f.seq}\n${f.ts}\n${f.actor}\n${f.action}\n${f.subject}\n${f.data}\n`;
}

/**
 * The same bytes, assembled by the database from the stored columns (integers print in decimal
 * there as in JS): verify then hashes what is stored without rebuilding each row as a JS object,
 * and a bug in either definition makes every verification fail. NULL anywhere yields NULL.
 */
export const HASHED_MATERIAL_SQL = `prev || '\n' || seq || '\n' || ts || '\n' || actor || '\n' || action || '\n' ||
  subject || '\n' || data || '\n'`;

/** One-shot `crypto.hash` (Node ≥ 20.12) is about twice as fast as a Hash object for short inputs. */
const sha256: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text)
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

export function sha256Hex(text: string): string {
  return sha256(text);
}

export function entryHash(f: ChainFields): string {
  return sha256(hashedMaterial(f));
}
