import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { loadConfigText } from "../config/load.js";
import type { RunbookConfig } from "../config/types.js";
import { isOpsError, type OpsError } from "../core/errors.js";
import { declaredSecrets, loadSecrets, missingSecrets, redactor } from "./secrets.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("hms-ops-secrets-"));
});
afterEach(() => cleanup());

async function secretsFile(text: string, mode = 0o600): Promise<string> {
  const file = join(dir, "secrets.yml");
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

function thrown(fn: () => unknown): OpsError {
  try {
    fn();
  } catch (err) {
    if (isOpsError(err)) return err;
    throw err;
  }
  throw new Error("expected an OpsError");
}

describe("loadSecrets", () => {
  it("reads a 0600 file, then falls back to the environment", async () => {
    const file = await secretsFile("CI_TOKEN: from-file-token\nDB_PASS: 'p@ss: word'\n");
    const store = loadSecrets({ file, env: { CI_TOKEN: "from-env", PAGER_KEY: "pager-env-key", EMPTY: "" } });
    expect(store.get("CI_TOKEN")).toBe("from-file-token");
    expect(store.get("DB_PASS")).toBe("p@ss: word");
    expect(store.get("PAGER_KEY")).toBe("pager-env-key");
    expect(store.get("EMPTY")).toBeUndefined();
    expect(store.get("NOWHERE")).toBeUndefined();
    expect(store.values().sort()).toEqual(["from-file-token", "p@ss: word", "pager-env-key"]);
  });

  it("works from the environment alone, and counts declared names as secrets from the start", () => {
    const store = loadSecrets({ env: { CI_TOKEN: "env-token-1", HOME: "/root" }, names: ["CI_TOKEN"] });
    expect(store.values()).toEqual(["env-token-1"]);
    expect(store.get("CI_TOKEN")).toBe("env-token-1");
  });

  it.each([0o644, 0o640, 0o604, 0o660])(
    "refuses a file with mode %o, naming the file, mode and fix",
    async (mode) => {
      const file = await secretsFile("CI_TOKEN: top-secret-value\n", mode);
      const err = thrown(() => loadSecrets({ file, env: {} }));
      expect(err.code).toBe("config_invalid");
      const octal = `0${mode.toString(8)}`;
      expect(err.message).toBe(
        `secrets file ${file}: has mode ${octal}, readable or writable by group or others; it must be 0600 or stricter (fix: chmod 600 ${file})`,
      );
      expect(err.details?.[0]).toMatchObject({ path: "server.secrets_file", file });
    },
  );

  it("accepts 0400", async () => {
    const file = await secretsFile("CI_TOKEN: top-secret-value\n", 0o400);
    expect(loadSecrets({ file, env: {} }).get("CI_TOKEN")).toBe("top-secret-value");
  });

  it("refuses a missing file and a directory", async () => {
    const missing = join(dir, "nope.yml");
    expect(thrown(() => loadSecrets({ file: missing, env: {} })).message).toBe(
      `secrets file ${missing}: does not exist (check server.secrets_file)`,
    );
    const sub = join(dir, "sub");
    await mkdir(sub, { mode: 0o700 });
    expect(thrown(() => loadSecrets({ file: sub, env: {} })).message).toBe(
      `secrets file ${sub}: is not a regular file`,
    );
  });

  it.each([
    ["- a\n- b\n", "must be a mapping of NAME: value"],
    ["bad-name: x1234\n", 'invalid secret name "bad-name"'],
    ["PIN: 1234\n", "secret `PIN` must be a string (quote it)"],
    ["EMPTY: ''\n", "secret `EMPTY` is empty"],
  ])("refuses bad content: %j", async (text, fragment) => {
    const file = await secretsFile(text);
    expect(thrown(() => loadSecrets({ file, env: {} })).message).toContain(fragment);
  });

  it("reports invalid YAML by position without quoting the line", async () => {
    const file = await secretsFile("A: ok-value\nB: [hunter2-secret\n");
    const err = thrown(() => loadSecrets({ file, env: {} }));
    expect(err.message).toMatch(new RegExp(`^secrets file ${file}:\\d+:\\d+: invalid YAML \\([A-Z_]+\\)$`));
    expect(JSON.stringify(err)).not.toContain("hunter2");
  });

  it("resolve() gives NAME=value, or names every missing secret and the run-book", async () => {
    const file = await secretsFile("CI_TOKEN: from-file-token\n");
    const store = loadSecrets({ file, env: { OTHER: "other-value" } });
    expect(store.resolve(["CI_TOKEN", "OTHER"], "runbooks.rollback")).toEqual({
      CI_TOKEN: "from-file-token",
      OTHER: "other-value",
    });
    const err = thrown(() => store.resolve(["CI_TOKEN", "A", "B"], "runbooks.rollback"));
    expect(err.message).toBe(
      `runbooks.rollback: secret \`A\`, \`B\` not found in ${file} or the environment`,
    );
    expect(store.values()).toContain("other-value");
  });

  it("lists declared and missing secrets for a load-time warning", () => {
    const rb = (secrets?: string[]) => ({ secrets }) as RunbookConfig;
    const runbooks = { a: rb(["X", "Y"]), b: rb(["Y"]), c: rb() };
    expect(declaredSecrets(runbooks)).toEqual(["X", "Y"]);
    expect(missingSecrets(runbooks, loadSecrets({ env: { X: "x-value" } }))).toEqual([
      { runbook: "a", name: "Y" },
      { runbook: "b", name: "Y" },
    ]);
  });
});

describe("server.secrets_file", () => {
  it("is resolved against the config file's directory", async () => {
    const loaded = await loadConfigText("server:\n  secrets_file: creds/secrets.yml\n", join(dir, "ops.yml"));
    expect(loaded.config.server.secrets_file).toBe(join(dir, "creds", "secrets.yml"));
    const none = await loadConfigText("server: {}\n", join(dir, "ops.yml"));
    expect(none.config.server.secrets_file).toBeUndefined();
  });
});

describe("redactor", () => {
  const secret = "s3cr3t/pa ss+wörd";
  const redact = redactor([secret, "abc"]);

  it("replaces the value and its URL-encoded, JSON-escaped and base64 forms", () => {
    const b64 = Buffer.from(secret).toString("base64");
    const url64 = Buffer.from(secret).toString("base64url");
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${b64} d ${url64} e ${JSON.stringify({ k: `"${secret}"` })}`;
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(5);
  });

  it("finds base64 of a secret inside a longer encoded string, at any byte offset", () => {
    for (const prefix of ["u:", "us:", "use:"]) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString("base64");
      const out = redact(`Authorization: Basic ${encoded}`);
      expect(out).toContain("[redacted]");
      // What is left could not rebuild more than a few bits of the secret.
      expect(out.replace("[redacted]", "").length).toBeLessThan(
        `Authorization: Basic ${encoded}`.length - 16,
      );
    }
  });

  it("leaves values shorter than 4 characters alone", () => {
    expect(redact("abc abcd")).toBe("abc abcd");
  });

  it("cuts at a length without leaving a prefix of a secret", () => {
    const text = `xx${secret}yy`;
    expect(redact.upTo(text, 5)).toBe("xx[redacted]");
    expect(redact.upTo(text, 2)).toBe("xx");
    expect(redactor([]).upTo(text, 4)).toBe("xxs3");
  });
});
