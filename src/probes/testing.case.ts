/**
 * Shared by the probe tests (a `.case.ts` file: type-checked, never built into dist): real
 * loopback servers that count their connections, a self-signed certificate made with the openssl
 * CLI, probe configs with the schema's defaults, and bounded waits.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HttpProbeConfig, TcpProbeConfig } from "../config/index.js";

export interface TestServer {
  port: number;
  url: string;
  /** Connections open right now / accepted so far. */
  open(): number;
  accepted(): number;
  /** Resolves when no connection is open (rejects after `ms`). */
  allClosed(ms?: number): Promise<void>;
  close(): Promise<void>;
}

function track(server: net.Server, scheme: string): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let onIdle: (() => void) | undefined;
  server.on("connection", (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) onIdle?.();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: `${scheme}://127.0.0.1:${port}`,
        open: () => sockets.size,
        accepted: () => accepted,
        allClosed: (ms = 2_000) =>
          sockets.size === 0
            ? Promise.resolve()
            : withTimeout(
                new Promise<void>((r) => {
                  onIdle = r;
                }),
                ms,
                `connections to close (${sockets.size} open)`,
              ),
        close: () =>
          new Promise<void>((r) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

export function startHttp(handler: http.RequestListener): Promise<TestServer> {
  return track(http.createServer(handler), "http");
}

export function startHttps(handler: http.RequestListener, cert: TestCert): Promise<TestServer> {
  return track(https.createServer({ key: cert.key, cert: cert.cert }, handler), "https");
}

/** A TCP listener that accepts and holds connections. */
export function startTcp(): Promise<TestServer> {
  return track(net.createServer(), "tcp");
}

export interface TestCert {
  key: string;
  cert: string;
  /** notAfter, epoch ms. */
  validTo: number;
}

/** A self-signed certificate for 127.0.0.1/localhost valid for `days`, made with the openssl CLI. */
export function selfSignedCert(days: number): TestCert {
  const dir = mkdtempSync(path.join(tmpdir(), "hms-ops-cert-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        String(days),
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "pipe" },
    );
    const cert = readFileSync(certFile, "utf8");
    const end = execFileSync("openssl", ["x509", "-noout", "-enddate", "-in", certFile], {
      encoding: "utf8",
    });
    return {
      key: readFileSync(keyFile, "utf8"),
      cert,
      validTo: Date.parse(end.replace(/^notAfter=/, "").trim()),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An http probe config as the schema would normalize it. */
export function httpProbe(overrides: Partial<HttpProbeConfig> & { target: string }): HttpProbeConfig {
  return {
    type: "http",
    name: "web",
    labels: {},
    interval: 30_000,
    timeout: 5_000,
    method: "GET",
    follow_redirects: true,
    max_redirects: 5,
    ...overrides,
  };
}

export function tcpProbe(overrides: Partial<TcpProbeConfig> & { target: string }): TcpProbeConfig {
  return { type: "tcp", name: "port", labels: {}, interval: 30_000, timeout: 5_000, ...overrides };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
