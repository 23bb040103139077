export { type App, type AppOptions, createApp } from "./create-app.js";
export { assertSafeListen, isLoopback, type ListenAddress, parseListen } from "./listen.js";
