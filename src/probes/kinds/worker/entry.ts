/**
 * The probe I/O thread: runs the active kinds (http, tcp) for the main thread's scheduler and
 * posts their results back in batches (./protocol.ts). It does nothing else, so its event loop
 * only ever waits on sockets: a response's end is timed within microseconds of its arrival,
 * whatever the main thread is busy with (appending series, committing to SQLite, evaluating rules,
 * a GC of its much larger heap). Started by ./host.ts; never imported on the main thread.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { createHttpKind } from "../http.js";
import { tcpKind } from "../tcp.js";
import { type ActiveProbeConfig, errorMessage, type ProbeKinds, type ProbeResult } from "../types.js";
import {
  RECORD,
  type ThreadData,
  type ThreadHello,
  type ToMain,
  type ToThread,
  writeRecord,
} from "./protocol.js";

const port = parentPort;
if (!port) throw new Error("src/probes/kinds/worker/entry.js runs only as a worker thread (see host.ts)");

const data = workerData as ThreadData;
const hello: ThreadHello = { nice: raisePriority(data.nice) };
port.postMessage(hello);
const kinds: ProbeKinds = { http: createHttpKind(data.http), tcp: tcpKind };
const configs = new Map<number, ActiveProbeConfig>();
const running = new Map<number, AbortController>();
/** Controllers whose signal never aborted, for the next runs (see the scheduler's note on their cost). */
const spare: AbortController[] = [];

/**
 * Results are held this long and sent in one message. Messages are not free (in a CPU profile
 * at 2,000 runs/s with one message per turn of the loop, postMessage alone took ~0.03 ms per run
 * across both threads); the wait delays a result's delivery, never its timing, which was taken
 * when the response was read.
 */
const BATCH_MS = 2;

let capacity = 256;
let records = new Float64Array(capacity * RECORD);
let count = 0;
let errors: [number, string][] = [];
let flushing = false;

port.on("message", (m: ToThread) => {
  for (const [id, config] of m.configs) configs.set(id, config);
  for (let i = 0; i + 1 < m.start.length; i += 2) start(m.start[i] as number, m.start[i + 1] as number);
  // After the starts: a run may be started and cancelled within one message.
  for (const id of m.cancel) {
    const controller = running.get(id);
    running.delete(id);
    controller?.abort(new Error("probe run cancelled"));
  }
  for (const id of m.forget) configs.delete(id);
});

function start(runId: number, configId: number): void {
  const config = configs.get(configId);
  if (!config) {
    done(runId, undefined, `probe thread has no config ${configId} (a bug in src/probes/kinds/worker)`);
    return;
  }
  const controller = spare.pop() ?? new AbortController();
  running.set(runId, controller);
  let pending: Promise<ProbeResult>;
  try {
    pending = (kinds[config.type] as ProbeKinds[ActiveProbeConfig["type"]]).run(
      config as never,
      controller.signal,
    );
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending.then(
    (result) => {
      // Not wanted any more (cancelled): the main thread has answered for it already.
      if (running.get(runId) !== controller) return;
      running.delete(runId);
      if (!controller.signal.aborted && spare.length < 4_096) spare.push(controller);
      done(runId, result, undefined);
    },
    (err: unknown) => {
      if (running.get(runId) !== controller) return;
      running.delete(runId);
      done(runId, undefined, `probe kind failed: ${errorMessage(err)}`);
    },
  );
}

function done(runId: number, result: ProbeResult | undefined, failure: string | undefined): void {
  if (count === capacity) {
    capacity *= 2;
    const bigger = new Float64Array(capacity * RECORD);
    bigger.set(records);
    records = bigger;
  }
  writeRecord(records, count, runId, result ?? { probe: "", ts: 0, ok: false, latencyMs: 0 });
  const error = failure ?? result?.error;
  if (error !== undefined) errors.push([count, error]);
  count++;
  if (!flushing) {
    flushing = true;
    setTimeout(flush, BATCH_MS);
  }
}

function flush(): void {
  flushing = false;
  if (count === 0) return;
  // A copy of the filled part (a few hundred bytes), moved rather than cloned; `records` stays
  // for the next batch. Sending the whole buffer each time churned ~10 MB/s of memory.
  const filled = records.slice(0, count * RECORD);
  const message: ToMain = { records: filled, count, errors };
  port?.postMessage(message, [filled.buffer]);
  count = 0;
  errors = [];
}

/**
 * Asks for `nice` for this thread alone (Linux: a thread is a task with its own nice value, set
 * through its thread id). Allowed with CAP_SYS_NICE (root); otherwise the thread keeps the
 * process's. Returns the nice value it runs at, or undefined where threads have no /proc entry.
 */
function raisePriority(nice: number): number | undefined {
  let tid: number;
  try {
    tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return undefined;
  }
  try {
    setPriority(tid, nice);
  } catch {
    // Not permitted: run at the process's priority.
  }
  try {
    // Field 19 of /proc/<tid>/stat, counted after the parenthesised command name.
    const fields = readFileSync(`/proc/thread-self/stat`, "utf8").split(") ")[1]?.split(" ");
    return Number(fields?.[16]);
  } catch {
    return undefined;
  }
}
