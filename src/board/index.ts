export { boardStatus, type LastResult, type ProbeColour, type StatusInput } from "./status.js";
