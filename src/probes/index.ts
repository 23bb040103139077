export { registerProbeAction, removeProbeAction } from "./actions.js";
export { ProbeCatalog, type ProbeEntry, type ProbeSource, probeMigrations } from "./catalog.js";
