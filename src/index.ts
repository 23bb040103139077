/** The package entry: the app factory and the building blocks an embedding program needs. */
export { type App, type AppOptions, createApp } from "./app/index.js";
export { loadConfig, type OpsConfig } from "./config/index.js";
export { type ErrorCode, OpsError } from "./core/errors.js";
