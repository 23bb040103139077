export { RecentResults } from "./recent.js";
export { boardStatus, type LastResult, type ProbeColour, type StatusInput } from "./status.js";
