import type { MutableAlert } from "./index.js";

/**
 * Label equality, all of them. `slo`, `probe` and `severity` name the alert's own fields (so a
 * silence can target one SLO without knowing its labels); any other name is a label.
 */
export function matches(match: Readonly<Record<string, string>>, alert: MutableAlert): boolean {
  // for-in over own keys: no array per call (every notification asks every silence).
  for (const name in match) {
    if (Object.hasOwn(match, name) && fieldOf(alert, name) !== match[name]) return false;
  }
  return true;
}

function fieldOf(alert: MutableAlert, name: string): string | undefined {
  switch (name) {
    case "slo":
      return alert.slo;
    case "probe":
      return alert.probe ?? own(alert.labels, "probe");
    case "severity":
      return alert.severity;
    default:
      return own(alert.labels, name);
  }
}

const own = (labels: Readonly<Record<string, string>>, name: string) =>
  Object.hasOwn(labels, name) ? labels[name] : undefined;
