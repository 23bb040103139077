import { randomInt } from "node:crypto";

/**
 * Incident ids are `INC-` + 6 characters of Crockford's base32 alphabet without the letters that
 * read like digits or like each other (no I, L, O, U): short enough to say on a phone bridge,
 * 32^6 ≈ 1.07e9 values, and random so nodes never coordinate a counter. A collision is caught by the
 * primary key and a new id drawn (see store.ts).
 */
export const INCIDENT_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const INCIDENT_ID_PATTERN = /^INC-[0-9A-HJKMNP-TV-Z]{6}$/;

export function newIncidentId(): string {
  let s = "INC-";
  for (let i = 0; i < 6; i++) s += INCIDENT_ID_ALPHABET[randomInt(INCIDENT_ID_ALPHABET.length)];
  return s;
}

/** The incident's page on the board: `${baseUrl}/incidents/${id}` (a trailing slash is dropped). */
export function incidentUrl(baseUrl: string, id: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/incidents/${encodeURIComponent(id)}`;
}
