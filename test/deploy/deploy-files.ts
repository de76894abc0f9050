// Reading the deployment files the way their tools do: the kustomize base rendered by kubectl,
// compose files with their `${VAR}` interpolation, the Dockerfile's instructions; and asking
// src/config.ts what an environment lacks.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { type Config, ConfigError, loadConfig } from "#src/config.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type Env = Record<string, string>;

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

// ---- src/config.ts ----

/** What loadConfig says is wrong with an environment: variable name → its problem. */
export function configProblems(env: Env, requireSlack = true): Map<string, string> {
  try {
    loadConfig(env, { cwd: ROOT, requireSlack });
    return new Map();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return new Map(
      error.problems.map((problem) => [problem.split(" ")[0] ?? "", problem] as const),
    );
  }
}

/** The configuration an environment gives, Slack tokens aside (they come from secrets). */
export function configOf(env: Env): Config {
  return loadConfig(env, { cwd: ROOT, requireSlack: false });
}

/**
 * Why an environment cannot start Baton: each variable config.ts rejects must be one the
 * environment leaves to a secret (`provided`), never one written wrong in the file itself.
 */
export function unmetRequirements(literal: Env, provided: Set<string>): string[] {
  return [...configProblems(literal)]
    .filter(([name]) => name in literal || !provided.has(name))
    .map(([name, problem]) =>
      name in literal ? `written wrong: ${problem}` : `nothing provides it: ${problem}`,
    );
}

/** The source file a command runs: `node --import tsx src/x.ts` and `node dist/x.js` → src/x.ts. */
export function entryOf(command: string | string[]): string | undefined {
  const text = Array.isArray(command) ? command.join(" ") : command;
  const match = text.match(/\b(src|dist)\/(\S+)\.(ts|js)\b/);
  return match ? `src/${match[2]}.ts` : undefined;
}

export function packageScript(name: string): string {
  const scripts = (JSON.parse(readText("package.json")) as { scripts: Record<string, string> })
    .scripts;
  const script = scripts[name];
  if (!script) throw new Error(`package.json has no "${name}" script`);
  return script;
}

// ---- Kubernetes ----

export interface KubeEnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface KubeProbe {
  httpGet?: { path: string; port: number | string };
}
export interface KubeContainer {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: KubeEnvVar[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  startupProbe?: KubeProbe;
  livenessProbe?: KubeProbe;
  readinessProbe?: KubeProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
export interface KubePodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: KubeContainer[];
  volumes?: { name: string; configMap?: { name: string; items?: unknown[] }; emptyDir?: object }[];
}
export interface KubeResource {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    /** A Service's labels, or a workload's and a budget's { matchLabels }. */
    selector?: Record<string, unknown>;
    ports?: { name?: string; port: number; targetPort: number | string }[];
    template?: { metadata: { labels: Record<string, string> }; spec: KubePodSpec };
  };
}

export function kubectlAvailable(): boolean {
  return spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
}

/** `kubectl kustomize <dir>`, parsed. */
export function renderKustomize(dir: string): KubeResource[] {
  const out = execFileSync("kubectl", ["kustomize", join(ROOT, dir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseAllDocuments(out).map((doc) => doc.toJS() as KubeResource);
}

export function findResource(resources: KubeResource[], kind: string): KubeResource {
  const [found, ...more] = resources.filter((resource) => resource.kind === kind);
  if (!found || more.length > 0) throw new Error(`expected one ${kind} in the rendered base`);
  return found;
}

/** The one container of a workload's pod. */
export function onlyContainer(workload: KubeResource): KubeContainer {
  const [container, ...more] = workload.spec?.template?.spec.containers ?? [];
  if (!container || more.length > 0)
    throw new Error(`${workload.metadata.name}: expected one container`);
  return container;
}

/** A container's environment: the values written in the manifest, and the names secrets give. */
export function kubeEnv(
  container: KubeContainer,
  secrets: KubeResource[],
): { literal: Env; provided: Set<string>; secretNames: Set<string> } {
  const literal: Env = {};
  const provided = new Set<string>();
  const secretNames = new Set<string>();
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) literal[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef) {
      provided.add(variable.name);
      secretNames.add(variable.valueFrom.secretKeyRef.name);
    }
  }
  for (const source of container.envFrom ?? []) {
    const name = source.secretRef?.name;
    if (!name) continue;
    secretNames.add(name);
    const secret = secrets.find((candidate) => candidate.metadata.name === name);
    if (!secret) throw new Error(`envFrom names the Secret ${name}, which no template defines`);
    for (const key of Object.keys({ ...secret.data, ...secret.stringData })) provided.add(key);
  }
  return { literal, provided, secretNames };
}

/** The container port a probe or a Service's targetPort names (by name or number). */
export function resolvePort(container: KubeContainer, port: number | string): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

export function preStopMs(container: KubeContainer): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds * 1000;
  const [program, seconds] = preStop?.exec?.command ?? [];
  return program === "sleep" ? Number(seconds) * 1000 : 0;
}

/** Whether a Service's or a budget's selector picks pods with these labels. */
export function selects(resource: KubeResource, labels: Record<string, string>): boolean {
  const selector = resource.spec?.selector ?? {};
  const match = (selector.matchLabels ?? selector) as Record<string, unknown>;
  const entries = Object.entries(match);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

// ---- compose ----

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  restart?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  stop_grace_period?: string;
  deploy?: { replicas?: number };
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readCompose(path: string): ComposeFile {
  return parse(readText(path), { merge: true }) as ComposeFile;
}

export function composeService(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}/g;

/**
 * A service's environment as compose hands it over: values without `${...}` are written in the
 * file; a variable is provided from .env when compose refuses to start without it (`${X:?...}`)
 * or it has a non-empty default. `${X:-}` provides nothing.
 */
export function composeEnv(service: ComposeService): { literal: Env; provided: Set<string> } {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)] as const;
      })
    : Object.entries(service.environment ?? {}).map(
        ([name, value]) => [name, value === null ? "" : String(value)] as const,
      );
  const literal: Env = {};
  const provided = new Set<string>();
  for (const [name, value] of entries) {
    const parts = [...value.matchAll(INTERPOLATION)];
    if (parts.length === 0) {
      literal[name] = value;
      continue;
    }
    const required = parts.some(([, , operator]) => operator?.endsWith("?"));
    const defaulted = parts.some(([, , operator, fallback]) => operator?.endsWith("-") && fallback);
    if (required || defaulted) provided.add(name);
  }
  return { literal, provided };
}

export function dependsOn(service: ComposeService, name: string): string | undefined {
  const depends = service.depends_on;
  if (Array.isArray(depends)) return depends.includes(name) ? "service_started" : undefined;
  return depends?.[name] ? (depends[name].condition ?? "service_started") : undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Compose durations: "30s", "1m30s" → milliseconds. */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
  }
  return total;
}

/** Where a path inside the container comes from: [volume source, path below it]. */
export function mountedFrom(
  service: ComposeService,
  containerPath: string,
): { source: string; rest: string } | undefined {
  for (const volume of service.volumes ?? []) {
    const [source = "", target = ""] = volume.split(":");
    if (containerPath === target) return { source, rest: "" };
    if (containerPath.startsWith(`${target}/`)) {
      return { source, rest: containerPath.slice(target.length + 1) };
    }
  }
  return undefined;
}

// ---- Dockerfile ----

/** The Dockerfile's instructions of one kind in its last stage (the image that runs). */
export function runtimeInstructions(keyword: string): string[] {
  const text = readText("Dockerfile").replace(/\\\n/g, " ");
  const stages = text.split(/^FROM /m);
  return (stages.at(-1) ?? "")
    .split("\n")
    .filter((line) => line.startsWith(`${keyword} `))
    .map((line) => line.slice(keyword.length + 1).trim());
}
