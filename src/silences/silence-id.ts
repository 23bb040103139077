import { randomInt } from "node:crypto";

/** Same alphabet as incident ids (no I, L, O, U); 32^8 values, a collision is drawn again. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const SILENCE_ID_PATTERN = /^SIL-[0-9A-HJKMNP-TV-Z]{8}$/;

export function newSilenceId(): string {
  let s = "SIL-";
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
