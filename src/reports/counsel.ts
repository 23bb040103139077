/**
 * Whether counsel was told in time about a legal violation: the first delivery of the incident's
 * firing notification to an email receiver (counsel is reached by email, DESIGN §5), measured from
 * the incident's opening against the initial-notice deadline (server.incidents.reporting.initial).
 */
import type { ReceiverConfig } from "../config/index.js";
import type { Delivery, ViolationFigure } from "./index.js";

const MINUTE = 60_000;

export function emailReceivers(receivers: Readonly<Record<string, ReceiverConfig>>): Set<string> {
  return new Set(Object.entries(receivers).flatMap(([name, r]) => (r.type === "email" ? [name] : [])));
}

export function counselFigure(
  openedAt: number,
  deliveries: readonly Delivery[],
  email: ReadonlySet<string>,
  deadlineMs: number,
  now: number,
): ViolationFigure["counsel"] {
  let first: Delivery | undefined;
  for (const d of deliveries) {
    if (email.has(d.receiver) && (!first || d.deliveredAt < first.deliveredAt)) first = d;
  }
  const deadlineMinutes = round1(deadlineMs / MINUTE);
  if (!first) {
    const due = openedAt + deadlineMs;
    if (now < due) {
      const left = Math.ceil((due - now) / MINUTE);
      return {
        status: "pending",
        text: `pending (due in ${left} min)`,
        minutes: null,
        receiver: null,
        deliveredAt: null,
        deadlineMinutes,
      };
    }
    return {
      status: "not_notified",
      text: "not notified",
      minutes: null,
      receiver: null,
      deliveredAt: null,
      deadlineMinutes,
    };
  }
  const delay = Math.max(0, first.deliveredAt - openedAt);
  const minutes = round1(delay / MINUTE);
  const inTime = delay <= deadlineMs;
  return {
    status: inTime ? "in_time" : "late",
    text: `${inTime ? "in time" : "late"} (${minutes} min)`,
    minutes,
    receiver: first.receiver,
    deliveredAt: new Date(first.deliveredAt).toISOString(),
    deadlineMinutes,
  };
}

/** One decimal: "in time (0.5 min)" says more than "(1 min)" for a 30 s delivery. */
const round1 = (n: number) => Math.round(n * 10) / 10;
