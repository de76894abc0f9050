// The deployment files against the code they run (docs/deploy.md): every variable src/config.ts
// requires is provided, values written in the files are valid, probes hit the real health
// routes on the real port, the playbook is mounted where PLAYBOOK points, and migrations run
// the real migrate command before the replicas. A file that drifts fails here, not in a cluster.
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { CONFIG_VARIABLES } from "#src/config.ts";
import { registerHealthRoutes } from "#src/http/health-routes.ts";
import { createHttpServer, type HttpServer } from "#src/http/server.ts";
import { createLogger } from "#src/logger.ts";
import { createMetrics } from "#src/metrics.ts";
import { SLACK_EVENTS_PATH } from "#src/slack/slack-app.ts";
import {
  type ComposeService,
  composeEnv,
  composeService,
  configOf,
  dependsOn,
  durationMs,
  entryOf,
  findResource,
  type KubeResource,
  kubectlAvailable,
  kubeEnv,
  mountedFrom,
  onlyContainer,
  packageScript,
  preStopMs,
  ROOT,
  readCompose,
  readText,
  renderKustomize,
  resolvePort,
  runtimeInstructions,
  selects,
  unmetRequirements,
} from "#test/deploy/deploy-files.ts";

const MIGRATE_ENTRY = entryOf(packageScript("db:migrate"));
const START_ENTRY = entryOf(packageScript("start"));

// The real health routes, served as Baton serves them, before anything is ready: the liveness
// route answers 200, the readiness route 503 with its checks, anything else 404.
let health: HttpServer;
let healthUrl: string;
beforeAll(async () => {
  const metrics = createMetrics({ defaults: false });
  health = createHttpServer(createLogger({ level: "silent" }), metrics);
  registerHealthRoutes(health, metrics, { stopping: false });
  healthUrl = `http://127.0.0.1:${await health.listen(0, "127.0.0.1")}`;
});
afterAll(() => health.close(1000));

async function expectLivenessRoute(path: string | undefined) {
  const response = await fetch(`${healthUrl}${path}`);
  expect(response.status, `${path} is not the liveness route`).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
}

async function expectReadinessRoute(path: string | undefined) {
  const response = await fetch(`${healthUrl}${path}`);
  expect(response.status, `${path} is not the readiness route`).toBe(503);
  expect(await response.json()).toMatchObject({ status: "not_ready", checks: { database: {} } });
}

describe("the health routes the checks below rely on", () => {
  it("answer as described, and an unknown path does not", async () => {
    await expectLivenessRoute("/healthz");
    await expectReadinessRoute("/readyz");
    expect((await fetch(`${healthUrl}/health`)).status).toBe(404);
  });
});

describe("package.json commands", () => {
  it("name the source files the images run", () => {
    for (const entry of [MIGRATE_ENTRY, START_ENTRY]) {
      expect(entry).toBeDefined();
      expect(existsSync(join(ROOT, entry ?? ""))).toBe(true);
    }
  });
});

describe("Dockerfile", () => {
  const command = runtimeInstructions("CMD")[0] ?? "[]";
  const env = Object.fromEntries(
    runtimeInstructions("ENV")
      .join(" ")
      .split(/\s+/)
      .map((pair) => pair.split("=") as [string, string]),
  );

  it("starts Baton itself as PID 1 (exec form, no npm in between) and stops it with SIGTERM", () => {
    const argv = JSON.parse(command) as string[];
    expect(argv[0]).toBe("node");
    expect(entryOf(argv)).toBe(START_ENTRY);
    // The same Node options as `npm start` (the footprint goals are measured with them).
    const flags = (words: string[]) => words.filter((word) => word.startsWith("--"));
    expect(flags(argv)).toEqual(flags(packageScript("start").split(/\s+/)));
    expect(runtimeInstructions("STOPSIGNAL")).toEqual(["SIGTERM"]);
  });

  it("checks and builds every entry the manifests run", () => {
    const list = readText("Dockerfile").match(/for entry in ([^;]+);/)?.[1] ?? "";
    const built = list.split(/\s+/);
    const argv = JSON.parse(command) as string[];
    expect(built.map(entryOf)).toContain(entryOf(argv));
    expect(built.map(entryOf)).toContain(MIGRATE_ENTRY);
  });

  it("runs as a numeric non-root user, keeps DATA_DIR on a volume, health-checks the liveness route", async () => {
    const [user] = runtimeInstructions("USER");
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const config = configOf(env);
    const data = config.database.kind === "pglite" ? config.database.dataDir : "(none)";
    expect(runtimeInstructions("VOLUME")).toEqual([JSON.stringify([data])]);
    expect(runtimeInstructions("EXPOSE")).toEqual([String(config.http.port)]);
    const check = runtimeInstructions("HEALTHCHECK")[0] ?? "";
    await expectLivenessRoute(check.match(/'(\/[a-z]+)'/)?.[1]);
    expect(runtimeInstructions("COPY").join("\n")).toContain(
      `./${posix.relative(runtimeInstructions("WORKDIR")[0] ?? "/", config.playbookPath)}`,
    );
  });
});

/** The rendered base, read once: the Deployment's pod and container, and what they are given. */
const kubeBase = once(() => {
  const resources = renderKustomize("manifests/kubernetes");
  const secrets = parseAllDocuments(readText("manifests/kubernetes/secret.template.yaml")).map(
    (doc) => doc.toJS() as KubeResource,
  );
  const deployment = findResource(resources, "Deployment");
  const job = findResource(resources, "Job");
  const pod = deployment.spec?.template?.spec;
  const container = onlyContainer(deployment);
  const env = kubeEnv(container, secrets);
  return {
    resources,
    secrets,
    deployment,
    job,
    pod,
    container,
    env,
    config: configOf(env.literal),
  };
});

const HAS_KUBECTL = kubectlAvailable();

describe.skipIf(!HAS_KUBECTL)(
  HAS_KUBECTL
    ? "Kubernetes base (kubectl kustomize manifests/kubernetes)"
    : "Kubernetes base: SKIPPED, kubectl is not installed to render manifests/kubernetes",
  () => {
    it("gives the replicas every variable config.ts requires in HTTP mode on PostgreSQL", () => {
      const { deployment, env, config } = kubeBase();
      expect(env.literal.SLACK_MODE).toBe("http");
      expect(unmetRequirements(env.literal, env.provided)).toEqual([]);
      // The secret is what makes it start: without it config.ts names what is missing.
      expect(unmetRequirements(env.literal, new Set()).length).toBeGreaterThan(0);
      // Replicas share one PostgreSQL; each on an embedded database of its own would split leads.
      expect(deployment.spec?.replicas).toBeGreaterThan(1);
      expect(env.provided.has("DATABASE_URL")).toBe(true);
      expect(config.database.migrateOnStart).toBe(false);
    });

    it("probes the real health routes on the port Baton listens on", async () => {
      const { container, config } = kubeBase();
      expect(container.ports?.map((port) => port.containerPort)).toEqual([config.http.port]);
      await expectLivenessRoute(container.livenessProbe?.httpGet?.path);
      await expectLivenessRoute(container.startupProbe?.httpGet?.path);
      await expectReadinessRoute(container.readinessProbe?.httpGet?.path);
      const probes = [container.livenessProbe, container.startupProbe, container.readinessProbe];
      for (const probe of probes) {
        expect(resolvePort(container, probe?.httpGet?.port ?? "")).toBe(config.http.port);
      }
    });

    it("serves the replicas, and only them, on the Service and under the disruption budget", () => {
      const { resources, deployment, job, container, config } = kubeBase();
      const labels = deployment.spec?.template?.metadata.labels ?? {};
      const jobLabels = job.spec?.template?.metadata.labels ?? {};
      const service = findResource(resources, "Service");
      for (const selector of [service, findResource(resources, "PodDisruptionBudget")]) {
        expect(selects(selector, labels)).toBe(true);
        expect(selects(selector, jobLabels)).toBe(false);
      }
      for (const port of service.spec?.ports ?? []) {
        expect(resolvePort(container, port.targetPort)).toBe(config.http.port);
      }
    });

    it("mounts the playbook ConfigMap where PLAYBOOK points", () => {
      const { resources, pod, container, config } = kubeBase();
      const mount = container.volumeMounts?.find((candidate) =>
        config.playbookPath.startsWith(`${candidate.mountPath}/`),
      );
      expect(mount, `no volume is mounted above ${config.playbookPath}`).toBeDefined();
      const volume = pod?.volumes?.find((candidate) => candidate.name === mount?.name);
      expect(volume?.configMap?.items).toBeUndefined();
      const configMap = resources.find(
        (resource) =>
          resource.kind === "ConfigMap" && resource.metadata.name === volume?.configMap?.name,
      );
      const key = posix.relative(mount?.mountPath ?? "", config.playbookPath);
      expect(configMap?.data?.[key]).toBe(readText("manifests/playbook.yml"));
      // kustomize reads no file outside its folder: the base keeps a copy of the example.
      expect(
        readText("manifests/kubernetes/playbook.yml"),
        "copy manifests/playbook.yml to manifests/kubernetes/playbook.yml",
      ).toBe(readText("manifests/playbook.yml"));
    });

    it("stops gracefully: the grace period outlasts the preStop pause and SHUTDOWN_TIMEOUT_MS", () => {
      const { pod, container, config } = kubeBase();
      const graceMs = (pod?.terminationGracePeriodSeconds ?? 30) * 1000;
      expect(graceMs).toBeGreaterThan(preStopMs(container) + config.shutdownTimeoutMs);
    });

    it("runs as non-root on a read-only root filesystem", () => {
      const { pod, job } = kubeBase();
      for (const spec of [pod, job.spec?.template?.spec]) {
        expect(spec?.securityContext?.runAsNonRoot).toBe(true);
        expect(spec?.securityContext?.runAsUser).toBeGreaterThan(0);
        for (const each of spec?.containers ?? []) {
          expect(each.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
          });
        }
      }
    });

    it("migrates with the real migrate command, the same image and the same database", () => {
      const { job, container, secrets, env } = kubeBase();
      const migrate = onlyContainer(job);
      expect(migrate.command?.[0]).toBe("node");
      expect(entryOf(migrate.command ?? [])).toBe(MIGRATE_ENTRY);
      expect(migrate.image).toBe(container.image);
      const jobEnv = kubeEnv(migrate, secrets);
      expect(jobEnv.secretNames).toEqual(env.secretNames);
      expect(jobEnv.provided.has("DATABASE_URL")).toBe(true);
      expect(configOf(jobEnv.literal).database.kind).toBe("pglite");
    });
  },
);

describe("compose.yaml (PostgreSQL, migrate, two replicas in HTTP mode, nginx)", () => {
  const compose = readCompose("compose.yaml");
  const services = compose.services;
  const migrate = composeService(compose, "migrate");
  const replicas = Object.entries(services).filter(
    ([name, service]) => service.image === migrate.image && name !== "migrate",
  );

  it("gives every replica what config.ts requires, and waits for the migration", () => {
    expect(replicas.map(([name]) => name)).toEqual(["baton-1", "baton-2"]);
    for (const [name, replica] of replicas) {
      const env = composeEnv(replica);
      expect(env.literal.SLACK_MODE, name).toBe("http");
      expect(unmetRequirements(env.literal, env.provided), name).toEqual([]);
      expect(env.provided.has("DATABASE_URL"), name).toBe(true);
      const config = configOf(env.literal);
      expect(config.database.migrateOnStart, name).toBe(false);
      expect(dependsOn(replica, "migrate"), name).toBe("service_completed_successfully");
      expect(durationMs(replica.stop_grace_period ?? "10s")).toBeGreaterThan(
        config.shutdownTimeoutMs,
      );
      expectPlaybookMounted(replica, config.playbookPath);
    }
  });

  it("migrates once, with the real command, when PostgreSQL is up", () => {
    expect(migrate.command?.[0]).toBe("node");
    expect(entryOf(migrate.command ?? [])).toBe(MIGRATE_ENTRY);
    expect(migrate.restart).toBe("no");
    const env = composeEnv(migrate);
    expect(env.provided.has("DATABASE_URL")).toBe(true);
    expect(configOf(env.literal)).toBeDefined();
    expect(dependsOn(migrate, "postgres")).toBe("service_healthy");
  });

  it("puts nginx in front of exactly the replicas, with the shared locations", () => {
    const nginx = composeService(compose, "nginx");
    const conf = mountedSource(nginx, "/etc/nginx/conf.d/default.conf");
    const upstreams = [...readText(conf).matchAll(/^\s*server ([\w.-]+):(\d+)/gm)];
    expect(upstreams.map(([, host, at]) => `${host}:${at}`)).toEqual(
      replicas.map(
        ([name, replica]) => `${name}:${configOf(composeEnv(replica).literal).http.port}`,
      ),
    );
    const include = readText(conf).match(/include (\S+);/)?.[1] ?? "";
    const locations = readText(mountedSource(nginx, posix.join("/etc/nginx", include)));
    expect(locations).toContain(`location ${SLACK_EVENTS_PATH} `);
    expect(readText("manifests/deploy/nginx.conf")).toContain(`include ${include};`);
  });
});

describe("compose.socket.yaml (one container, Socket Mode, embedded database)", () => {
  const compose = readCompose("compose.socket.yaml");

  it("runs one Baton with both tokens and its database on a named volume", () => {
    expect(Object.keys(compose.services)).toEqual(["baton"]);
    const baton = composeService(compose, "baton");
    expect(baton.deploy?.replicas ?? 1).toBe(1);
    const env = composeEnv(baton);
    expect(env.literal.SLACK_MODE).toBe("socket");
    expect(unmetRequirements(env.literal, env.provided)).toEqual([]);
    const config = configOf(env.literal);
    expect(config.database.kind).toBe("pglite");
    const data = config.database.kind === "pglite" ? config.database.dataDir : "";
    expect(Object.keys(compose.volumes ?? {})).toContain(mountedFrom(baton, data)?.source);
    expectPlaybookMounted(baton, config.playbookPath);
  });
});

describe(".env.example", () => {
  it("lists every variable config.ts reads, and no other", () => {
    const listed = [...readText(".env.example").matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map(
      ([, name]) => name,
    );
    expect([...new Set(listed)].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});

/** The file a bind mount puts at `containerPath`, relative to the repository. */
function mountedSource(service: ComposeService, containerPath: string): string {
  const mount = mountedFrom(service, containerPath);
  expect(mount?.source, `nothing is mounted at ${containerPath}`).toMatch(/^\.\//);
  return posix.join(mount?.source ?? "", mount?.rest ?? "");
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

function expectPlaybookMounted(service: ComposeService, playbookPath: string) {
  const source = mountedSource(service, playbookPath);
  expect(parse(readText(source))).toMatchObject({ version: 1 });
}
