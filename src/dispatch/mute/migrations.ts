import type { Migration } from "../../store/index.js";

/**
 * `dispatch_held`: firings that a mute held back, one row per alert episode, with the event as it
 * fired and the policy pack live then. The row exists exactly while the episode fires and nobody
 * has been told; the `unmute` job (dispatch_schedule) sends it when the mute ends, and a resolve
 * deletes it (nobody heard of the firing, so nobody hears of the resolve).
 */
const schema = `
CREATE TABLE dispatch_held (
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  event TEXT NOT NULL,
  policy_id TEXT,
  incident_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  held_at BIGINT NOT NULL,
  PRIMARY KEY (alert_id, episode)
);
`;

export const muteMigrations: Migration[] = [
  { module: "mute", version: 1, name: "held firings", sql: schema },
];
