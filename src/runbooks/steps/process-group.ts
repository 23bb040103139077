/**
 * A child's process group (spawned `detached`, so its pid is the group id): what a `run` step kills
 * on timeout, cancel, and when its command exits leaving background processes behind.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Clock, TimerHandle } from "../../core/clock.js";

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** After SIGKILL, how often and how many times to check that the group is gone (a process in D state may linger). */
const REAP_INTERVAL_MS = 10;
const REAP_CHECKS = 100;

export class ProcessGroup {
  private killTimer: TimerHandle | undefined;
  private killed: Promise<void> | undefined;

  constructor(
    readonly pgid: number,
    private readonly clock: Clock,
    private readonly child: ChildProcess,
  ) {}

  /**
   * SIGTERM to every member, then SIGKILL after the grace period to whatever is left. The pipes
   * are closed at that point too, so a process that escaped the group (setsid) but kept stdout
   * open cannot hold the step open.
   */
  terminate(): void {
    if (this.killed || !this.send("SIGTERM")) return;
    this.killed = new Promise((resolve) => {
      this.killTimer = this.clock.setTimer(KILL_GRACE_MS, () => {
        this.send("SIGKILL");
        for (const s of this.child.stdio) s?.destroy();
        this.awaitGone(REAP_CHECKS, resolve);
      });
    });
  }

  /** Resolves once nothing of the group can outlive the step: it is empty, or got SIGKILL. */
  async settle(): Promise<void> {
    if (this.killed && groupAlive(this.pgid)) return this.killed;
    this.killTimer?.cancel();
  }

  /** SIGKILL is delivered at once but a process takes a moment to exit: look again a few times. */
  private awaitGone(checks: number, done: () => void): void {
    if (checks <= 0 || !groupAlive(this.pgid)) {
      done();
      return;
    }
    this.clock.setTimer(REAP_INTERVAL_MS, () => this.awaitGone(checks - 1, done));
  }

  /** False when the group is already gone. */
  private send(sig: NodeJS.Signals): boolean {
    try {
      process.kill(-this.pgid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Whether any process of the group still runs. Zombies do not count: where PID 1 does not reap
 * orphans (some containers), a killed grandchild stays a zombie in the group forever, and
 * `kill(-pgid, 0)` would report the group alive.
 */
export function groupAlive(pgid: number): boolean {
  const members = groupMembers(pgid);
  if (members) return members.some((m) => m.state !== "Z" && m.state !== "X");
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Members of a process group from /proc, or undefined where there is no /proc (macOS). */
export function groupMembers(pgid: number): { pid: number; state: string }[] | undefined {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const members: { pid: number; state: string }[] = [];
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so split after the last `)`.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid) members.push({ pid: Number(pid), state: fields[0] ?? "" });
  }
  return members;
}
