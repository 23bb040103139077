/** The demo's simulated world: two agency services, the policy service, the pager and counsel's inbox. */
import type { StoryClock } from "../story-clock.js";
import type { Timings } from "../timings.js";
import { type CallQueue, startCallQueue } from "./call-queue.js";
import { type Inbox, startInbox } from "./inbox.js";
import { type LoginService, startLoginService } from "./login.js";
import { type Pager, startPager } from "./pager.js";
import { type PolicyService, startPolicyService } from "./policy.js";

export { subjectOf } from "./inbox.js";
export type { CallQueue, Inbox, LoginService, Pager, PolicyService };

export interface World {
  queue: CallQueue;
  login: LoginService;
  policy: PolicyService;
  pager: Pager;
  inbox: Inbox;
  close(): Promise<void>;
}

export async function startWorld(clock: StoryClock, t: Timings, approvedPack: string): Promise<World> {
  const started: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(s: T): T => {
    started.push(s);
    return s;
  };
  const close = async () => {
    await Promise.allSettled(started.splice(0).map((s) => s.close()));
  };
  try {
    return {
      queue: track(await startCallQueue(clock, t.queueSpikeAt)),
      login: track(await startLoginService(clock, t.loginSlowAt)),
      policy: track(await startPolicyService(approvedPack)),
      pager: track(await startPager()),
      inbox: track(await startInbox()),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
