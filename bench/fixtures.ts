/** Generated configs for benchmarks: many probes of every kind, SLOs on them, realistic size. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function bigConfig(probes: number): string {
  const lines = [
    "server:",
    "  data: ./data",
    "  auth:",
    "    tokens:",
    '      - { name: admin, scopes: [admin], secret: "bench-admin-secret-0123456789" }',
    "probes:",
  ];
  for (let i = 0; i < probes; i++) {
    const kind = i % 4;
    if (kind === 0 || kind === 1)
      lines.push(
        `  - name: svc-${i}`,
        "    type: http",
        `    target: http://127.0.0.1:9/svc/${i}`,
        "    interval: 30s",
        "    timeout: 5s",
        '    expect: { status: [200], body_contains: "ok" }',
        `    labels: { agency: agency-${i % 17}, service: svc-${i} }`,
      );
    else if (kind === 2)
      lines.push(`  - { name: db-${i}, type: tcp, target: "127.0.0.1:5432", interval: 15s }`);
    else lines.push(`  - { name: push-${i}, type: push, labels: { team: t${i % 9} } }`);
  }
  lines.push("slos:");
  for (let i = 0; i < probes; i += 4) {
    lines.push(`  - { name: slo-${i}, probe: svc-${i}, when: "latency > 250ms for 3m", severity: page }`);
  }
  return `${lines.join("\n")}\n`;
}

export async function writeBigConfig(probes: number): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), "hms-ops-bench-"));
  const file = join(dir, "ops.yml");
  await writeFile(file, bigConfig(probes));
  return { dir, file };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
