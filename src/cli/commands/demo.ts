/** `hms-ops demo`: the narrated scenario; with `--exit`, exit 0 only if every expected thing happened. */

import { parseListen } from "../../app/index.js";
import { OpsError } from "../../core/errors.js";
import { runDemo } from "../../demo/index.js";

export interface DemoFlags {
  fast?: boolean;
  exit?: boolean;
  data?: string;
  listen?: string;
}

export async function demo(flags: DemoFlags, env = process.env): Promise<number> {
  const fast = flags.fast === true || truthy(env.HMS_OPS_DEMO_FAST);
  let listen: { host: string; port: number } | undefined;
  if (flags.listen) {
    try {
      listen = parseListen(flags.listen);
    } catch (err) {
      throw new OpsError("bad_request", `--listen: ${(err as Error).message}`);
    }
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A closed pipe (`hms-ops demo | head`) ends the demo cleanly instead of crashing past the clean-up.
  process.stdout.on("error", stop);
  try {
    const result = await runDemo({
      fast,
      exit: flags.exit === true,
      ...(flags.data ? { dataDir: flags.data } : {}),
      ...(listen ? { listen } : {}),
      signal: controller.signal,
    });
    return result.ok ? 0 : 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    process.stdout.off("error", stop);
  }
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}
