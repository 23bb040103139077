/**
 * The OSERS call-center sensor, as seed 000's sensor would run it: read the queue's wait time
 * and push it to HMS-OPS through the SDK (`ops.metrics.push` → POST /api/v1/metrics), in ms.
 */
import type { Center } from "../sdk/index.js";
import { QUEUE_PROBE } from "./config.js";
import type { CallQueue } from "./services/index.js";
import type { Timings } from "./timings.js";

export interface Sensor {
  readonly pushed: number;
  readonly failures: number;
  stop(): void;
}

export function startSensor(
  ops: Center,
  queue: CallQueue,
  t: Timings,
  onError: (err: unknown) => void,
): Sensor {
  let pushed = 0;
  let failures = 0;
  let busy = false;
  const push = async () => {
    if (busy) return; // never pile up pushes on a slow machine
    busy = true;
    try {
      const value = Math.round(queue.waitSeconds() * 1000);
      await ops.metrics.push({ probe: QUEUE_PROBE, value, labels: { queue: "disability-benefits" } });
      pushed++;
    } catch (err) {
      failures++;
      onError(err);
    } finally {
      busy = false;
    }
  };
  void push();
  const timer = setInterval(push, t.sensorEvery * t.msPerSecond);
  return {
    get pushed() {
      return pushed;
    },
    get failures() {
      return failures;
    },
    stop: () => clearInterval(timer),
  };
}
