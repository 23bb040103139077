/**
 * The normalized, validated configuration every other module reads. Keys stay exactly as written in
 * ops.yml (DESIGN.md §3); durations are milliseconds, percentages fractions, defaults applied.
 * A loaded config is deep-frozen: treat every value as read-only.
 */

/** Milliseconds. */
export type Millis = number;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

import type { Scope } from "../core/principal.js";

export type TokenScope = Scope;

export interface TokenConfig {
  name: string;
  scopes: TokenScope[];
  secret: string;
}

export interface ServerConfig {
  listen: { host: string; port: number };
  url?: string;
  /** Absolute, resolved against the main config file's directory. */
  data: string;
  eval_interval: Millis;
  /** Bytes. */
  body_limit: number;
  auth: { tokens: TokenConfig[]; public_board: boolean };
  incidents: { reopen_within: Millis; reporting: ReportingConfig };
  /** Run-book secrets (YAML NAME: value, mode 0600); absolute, resolved like `data`. */
  secrets_file?: string;
  /** Signed checkpoints of the audit chain head (docs/audit.md); always set after load (optional for hand-built configs). The trail is never pruned. */
  audit?: { checkpoint_interval: Millis };
}

/** Incident reporting deadlines (severity legal, or SLOs with `report: true`). */
export interface ReportingConfig {
  /** Initial notice due this long after the incident was identified. */
  initial: Millis;
  /** One update due by the end of every calendar day (in `timezone`) while unresolved. */
  daily_updates: boolean;
  /** Final report due this long after resolution. */
  final: Millis;
  timezone: string;
  /** Severity and siren of the alert a missed deadline raises. */
  severity: Severity;
  siren?: string;
}

export interface PolicyConfig {
  source: string;
  interval: Millis;
  approved?: string;
  /** The built-in `policy_drift` SLO (default severity warning, no siren). */
  drift?: PolicyAlertConfig;
  /** The built-in `policy_source_down` SLO (default severity warning, no siren). */
  source_down?: PolicyAlertConfig;
}

/** How a built-in policy alert is raised: its severity and the siren that sounds. */
export interface PolicyAlertConfig {
  severity?: Exclude<Severity, "legal">;
  siren?: string;
}

interface ProbeBase {
  name: string;
  labels: Record<string, string>;
  interval: Millis;
  timeout: Millis;
  description?: string;
}

export interface HttpProbeConfig extends ProbeBase {
  type: "http";
  target: string;
  method: string;
  headers?: Record<string, string>;
  body?: string | { [key: string]: JsonValue } | JsonValue[];
  /** `status` undefined means any 200-399 is ok. */
  expect?: {
    status?: number[];
    body_contains?: string;
    header?: Record<string, string>;
    max_latency?: Millis;
  };
  follow_redirects: boolean;
  max_redirects: number;
  tls?: { insecure?: boolean };
}

export interface TcpProbeConfig extends ProbeBase {
  type: "tcp";
  /** `host:port`. */
  target: string;
}

export interface PushProbeConfig extends ProbeBase {
  type: "push";
}

export interface HeartbeatProbeConfig extends ProbeBase {
  type: "heartbeat";
  period: Millis;
  grace: Millis;
}

/**
 * Decision events arrive at `POST /api/v1/decisions`; the bias sensor (src/sensors/bias) derives
 * fairness figures per model over `window` and appends them as this probe's series. Not
 * scheduled; `interval` is how often the figures are recomputed while no decision arrives.
 */
export interface BiasProbeConfig extends ProbeBase {
  type: "bias";
  /** Whole minutes, 1m to 24h. */
  window: Millis;
  /** When set, the only groups accepted (a decision for another group is refused). */
  groups?: string[];
  /** Baseline of `disparate_impact`; default the group with the highest selection rate. */
  reference?: string;
  /** Decisions a group needs within the window to count in the figures. */
  min_decisions: number;
}

export type ProbeConfig =
  | HttpProbeConfig
  | TcpProbeConfig
  | PushProbeConfig
  | HeartbeatProbeConfig
  | BiasProbeConfig;
export type ProbeType = ProbeConfig["type"];

export type Severity = "info" | "warning" | "page" | "legal";
export type NoDataPolicy = "keep" | "resolve" | "alert";

export interface SloConfig {
  name: string;
  probe?: string;
  /** Threshold condition; exactly one of `when` and `objective` is set. */
  when?: string;
  /** Fraction in (0, 1), e.g. 0.999; comes with `good`. */
  objective?: number;
  good?: string;
  /** Objective SLOs only; default 30d. With `period: month` this is 30d and `calendar` is "month". */
  period?: Millis;
  /** `period: month`: the SLI and budget cover the current UTC calendar month (burn windows as for 30d). */
  calendar?: "month";
  /** Objective SLOs: no burn-rate alert while the long window holds fewer events; default 100. */
  min_events?: number;
  clear_for?: Millis;
  no_data: NoDataPolicy;
  severity: Severity;
  legal?: { sla: string; statute?: string };
  siren?: string;
  runbook?: string;
  /** Incidents of this SLO get reporting deadlines (always so for severity legal). */
  report?: boolean;
  labels: Record<string, string>;
  description?: string;
}

export interface SirenConfig {
  notify: string[];
  repeat?: Millis;
  /** Alerts of this siren firing within this time of an open incident's start join it (one page). */
  group_window?: Millis;
  escalate: { after: Millis; notify: string[] }[];
}

export interface WebhookReceiverConfig {
  type: "webhook";
  url: string;
  secret?: string;
  headers?: Record<string, string>;
  timeout: Millis;
}

export interface PagerDutyReceiverConfig {
  type: "pagerduty";
  url: string;
  routing_key: string;
  /** `payload.source`; default the probe name (or the SLO name). */
  source?: string;
  /** Default 10 s. */
  timeout?: Millis;
}

export interface SlackReceiverConfig {
  type: "slack";
  /** The incoming-webhook URL: a capability, so all of it is a secret. */
  url: string;
  /** Default 10 s. */
  timeout?: Millis;
}

export interface EmailReceiverConfig {
  type: "email";
  /** `smtp://` (STARTTLS when offered) or `smtps://` (implicit TLS) URL; its credentials are secrets. */
  smtp: string;
  from: string;
  to: string[];
  cc?: string[];
  /** Put before the subject (`[HMS-OPS] [FIRING] ...`); a legal breach's subject still starts `[COMPLIANCE SIREN]`. */
  subject_prefix?: string;
  tls?: {
    /** Default true; false accepts any certificate (test servers only). */
    reject_unauthorized?: boolean;
    /** A PEM certificate, or the path to one, to trust besides the system CAs. */
    ca?: string;
  };
  /** Connection, greeting and per-reply timeout; default 10 s. */
  timeout?: Millis;
}

export type ReceiverConfig =
  | WebhookReceiverConfig
  | PagerDutyReceiverConfig
  | SlackReceiverConfig
  | EmailReceiverConfig;
export type ReceiverType = ReceiverConfig["type"];

export interface RunStep {
  run: string;
  shell?: boolean;
  timeout?: Millis;
  env?: Record<string, string>;
}

export interface HttpStep {
  http: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string | { [key: string]: JsonValue } | JsonValue[];
    expect_status?: number[];
  };
  timeout?: Millis;
}

export interface WaitStep {
  /** A fixed pause, or until the alert that started the run has resolved. */
  wait: Millis | "resolved";
}

export interface ApprovalStep {
  approval: { timeout?: Millis; message?: string };
}

export type RunbookStep = RunStep | HttpStep | WaitStep | ApprovalStep;

export interface RunbookConfig {
  steps: RunbookStep[];
  cooldown: Millis;
  timeout: Millis;
  approval: boolean;
  max_runs_per_hour?: number;
  /** Consecutive failed runs that stop automatic runs until a manual run succeeds; 0 = off. */
  circuit_breaker: number;
  dry_run: boolean;
  env?: Record<string, string>;
  secrets?: string[];
}

export interface MaintenanceConfig {
  name: string;
  /** Cron; comes with `duration`. Otherwise `start` and `end` (epoch ms) are set. */
  schedule?: string;
  duration?: Millis;
  start?: number;
  end?: number;
  timezone?: string;
  match: Record<string, string>;
}

export interface OpsConfig {
  server: ServerConfig;
  policy?: PolicyConfig;
  probes: ProbeConfig[];
  slos: SloConfig[];
  sirens: Record<string, SirenConfig>;
  receivers: Record<string, ReceiverConfig>;
  runbooks: Record<string, RunbookConfig>;
  maintenance: MaintenanceConfig[];
}

export interface LoadedConfig {
  config: OpsConfig;
  /** Absolute paths: the main file, then every included file. */
  files: string[];
}
