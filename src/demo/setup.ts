/** Where the demo keeps its data and which port it serves on. */

import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { OpsError } from "../core/errors.js";

export interface DataDir {
  dir: string;
  /** Removes a temporary directory; keeps one the user named. */
  release(): Promise<void>;
}

/**
 * The demo starts from a clean slate: a named directory must be new or empty (old alerts and
 * incidents would change the story), and is kept afterwards; without one, a temporary directory
 * is used and removed at the end.
 */
export async function prepareDataDir(named: string | undefined): Promise<DataDir> {
  if (!named) {
    const dir = await mkdtemp(join(tmpdir(), "hms-ops-demo-"));
    return { dir, release: () => rm(dir, { recursive: true, force: true }) };
  }
  const dir = resolve(named);
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new OpsError(
      "bad_request",
      `demo data directory ${dir} is not empty (${entries.length} entries); the demo starts from a clean slate: remove it or name another with --data`,
    );
  }
  return { dir, release: async () => {} };
}

/** `port`, or when it is taken a free one; says which and whether it had to fall back. */
export async function choosePort(host: string, port: number): Promise<{ port: number; fellBack: boolean }> {
  const tryListen = (p: number) =>
    new Promise<number | null>((done) => {
      const server = createServer();
      server.once("error", () => done(null));
      server.listen(p, host, () => {
        const address = server.address();
        const got = typeof address === "object" && address ? address.port : null;
        server.close(() => done(got));
      });
    });
  if (port !== 0) {
    const got = await tryListen(port);
    if (got !== null) return { port: got, fellBack: false };
  }
  const free = await tryListen(0);
  if (free === null) throw new OpsError("internal", `cannot find a free port on ${host}`);
  return { port: free, fellBack: port !== 0 };
}
