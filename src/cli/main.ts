/**
 * The `hms-ops` command. Commands are thin: they parse flags and call the same functions the
 * server uses. Each command imports its module lazily so `validate` never pays for the server.
 */
import { Command } from "commander";
import { failWith } from "./fail.js";

const program = new Command()
  .name("hms-ops")
  .description(
    "HMS-OPS: probes, SLOs and legal SLAs, sirens, run-books, incidents, policy drift and a\n" +
      "tamper-evident audit trail, on one live Reliability Board.",
  )
  .version(process.env.npm_package_version ?? "0.1.0")
  .showHelpAfterError("(run with --help for usage)");

const defaultConfig = () => process.env.HMS_OPS_CONFIG ?? "ops.yml";

program
  .command("serve")
  .description("run the operations center (hot-reloads ops.yml; SIGHUP reloads, SIGTERM stops)")
  .option("-c, --config <file>", "configuration file (env HMS_OPS_CONFIG)", defaultConfig())
  .option("--listen <host:port>", "override server.listen (env HMS_OPS_LISTEN)")
  .option("--no-watch", "do not watch the config files (SIGHUP still reloads)")
  .action(async (opts: { config: string; listen?: string; watch: boolean }) => {
    const { serve } = await import("./commands/serve.js");
    await serve(opts);
  });

program
  .command("demo")
  .description(
    "a self-contained, narrated demo: simulated services breach, sirens page and email counsel,\n" +
      "run-books scale out, policy drifts; the board live (about two minutes)",
  )
  .option("--fast", "shorten every timing (for CI; env HMS_OPS_DEMO_FAST=1)")
  .option("--exit", "stop at the end; exit 0 only if every expected thing happened")
  .option("--data <dir>", "keep the data here (new or empty; default: a temporary directory)")
  .option("--listen <host:port>", "where HMS-OPS listens (default 127.0.0.1:8080, or a free port)")
  .action(async (opts: { fast?: boolean; exit?: boolean; data?: string; listen?: string }) => {
    const { demo } = await import("./commands/demo.js");
    process.exitCode = await demo(opts);
  });

program
  .command("validate")
  .description("check a configuration file; exit 1 listing every error as file:line:col")
  .argument("<file>", "ops.yml to check")
  .action(async (file: string) => {
    const { validate } = await import("./commands/validate.js");
    process.exitCode = await validate(file);
  });

program
  .command("schema")
  .description("print the JSON Schema of ops.yml (for editor autocompletion)")
  .action(async () => {
    const { schema } = await import("./commands/schema.js");
    schema();
  });

program
  .command("test")
  .description("unit tests")
  .command("rules")
  .description("test SLO conditions against input series and expected alerts (like promtool test rules)")
  .argument("<files...>", "rule test files (YAML)")
  .action(async (files: string[]) => {
    const { testRules } = await import("./commands/test-rules.js");
    process.exitCode = await testRules(files);
  });

const audit = program.command("audit").description("the tamper-evident audit trail");
const dataDirOptions = (cmd: Command) =>
  cmd
    .option("--data <dir>", "data directory (default: server.data from the config)")
    .option("-c, --config <file>", "configuration file, to find the data directory", defaultConfig());
dataDirOptions(
  audit
    .command("verify")
    .description(
      "verify the hash chain and the signed checkpoints; exit 1 naming the first bad entry or line",
    ),
)
  .option("--file <export.jsonl>", "verify an export (hms-ops audit export) instead of the data directory")
  .option(
    "--public-key <pem>",
    "trust this public key instead of the one in the data directory or the export",
  )
  .action(async (opts: { data?: string; config: string; file?: string; publicKey?: string }) => {
    const { auditVerify } = await import("./commands/audit-verify.js");
    process.exitCode = await auditVerify(opts);
  });
dataDirOptions(
  audit
    .command("export")
    .description("write the entries in a time range and the checkpoints that sign them, as JSONL"),
)
  .option("--from <time>", "first entry time: ISO 8601, a date, or epoch ms (default: the first entry)")
  .option("--to <time>", "last entry time (default: now); the export runs on to the next checkpoint")
  .option("-o, --output <file>", "write to this file instead of stdout")
  .action(async (opts: { data?: string; config: string; from?: string; to?: string; output?: string }) => {
    const { auditExport } = await import("./commands/audit-export.js");
    process.exitCode = await auditExport(opts);
  });
dataDirOptions(
  audit.command("public-key").description("print the PEM public key that checkpoints are signed with"),
).action(async (opts: { data?: string; config: string }) => {
  const { auditPublicKey } = await import("./commands/audit-public-key.js");
  process.exitCode = await auditPublicKey(opts);
});

const client = (cmd: Command) =>
  cmd
    .option("--url <url>", "server base URL (env HMS_OPS_URL, default http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (env HMS_OPS_TOKEN)")
    .option("--json", "print JSON instead of a table");

client(
  program.command("status").description("the board: policy, probes green/yellow/red, SLO states"),
).action(async (opts) => {
  const { status } = await import("./commands/status.js");
  await status(opts);
});

const silence = program
  .command("silence")
  .description("ad-hoc silences (mute notifications and run-books, never detection)");
client(silence.command("list").description("silences, newest first"))
  .option("--state <state>", "active | pending | expired")
  .action(async (opts) => {
    const { listSilences } = await import("./commands/silences.js");
    await listSilences(opts);
  });
client(
  silence
    .command("add")
    .description("silence alerts whose labels match every name=value (slo, probe, severity or any label)")
    .argument("<matchers...>", "name=value"),
)
  .requiredOption("-m, --comment <text>", "why (required; it is on the record)")
  .option("-d, --duration <duration>", "how long, e.g. 2h (default: the server's)")
  .option("--start <time>", "ISO time it starts (default now)")
  .option("--end <time>", "ISO time it ends (instead of --duration)")
  .action(async (matchers: string[], opts) => {
    const { addSilence } = await import("./commands/silences.js");
    await addSilence(matchers, opts);
  });
client(
  silence.command("expire").description("end a silence now (it stays on the record)").argument("<id>"),
).action(async (id: string, opts) => {
  const { expireSilence } = await import("./commands/silences.js");
  await expireSilence(id, opts);
});

client(program.command("incidents").description("list incidents (default: open and acknowledged)"))
  .option("--state <state>", "open | acknowledged | resolved | active", "active")
  .option("--limit <n>", "at most this many, newest first")
  .action(async (opts) => {
    const { listIncidents } = await import("./commands/incidents.js");
    await listIncidents(opts);
  });

client(
  program.command("incident").description("one incident with its timeline").argument("<id>", "INC-XXXXXX"),
).action(async (id: string, opts) => {
  const { showIncident } = await import("./commands/incidents.js");
  await showIncident(id, opts);
});

for (const [name, action, what] of [
  ["ack", "ack", "acknowledge an incident (stops repeats and escalation)"],
  ["resolve", "resolve", "resolve an incident by hand"],
] as const) {
  client(program.command(name).description(what).argument("<id>", "INC-XXXXXX"))
    .option("-m, --message <text>", "a comment for the timeline")
    .action(async (id: string, opts) => {
      const { actOnIncident } = await import("./commands/incidents.js");
      await actOnIncident(action, id, opts);
    });
}

client(
  program
    .command("note")
    .description("add a note to an incident's timeline")
    .argument("<id>", "INC-XXXXXX")
    .argument("<text>", "the note"),
).action(async (id: string, text: string, opts) => {
  const { noteIncident } = await import("./commands/incidents.js");
  await noteIncident(id, text, opts);
});

client(
  program
    .command("report")
    .description("the SLA compliance report of a running server (default: the last 30 days, JSON)"),
)
  .option("--from <time>", "start: ISO 8601 (2026-11-01 or 2026-11-01T00:00:00Z) or epoch ms")
  .option("--to <time>", "end (default now)")
  .option("--format <format>", "json | csv | html", "json")
  .option("-o, --output <file>", "write to this file instead of stdout")
  .action(async (opts) => {
    const { report } = await import("./commands/report.js");
    await report(opts);
  });

program.parseAsync(process.argv).catch(failWith);
