export type { PolicySource, PolicyState } from "./types.js";
export { PolicyWatcher, type PolicyWatcherOptions } from "./watcher.js";
