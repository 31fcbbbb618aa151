/**
 * deploy/: the Kubernetes manifests parse, say what docs/scale.md says they do (an Indexed Job
 * with completions = --shards, credentials from a Secret, a merge Job on the same --out, a collector
 * StatefulSet with a volume for its journals), and every command and flag they pass exists in the
 * CLI (a renamed flag would otherwise only fail in the cluster). The Dockerfile runs the binary as
 * a non-root user.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ArgsDef, CommandDef } from "citty";

const DEPLOY = join(import.meta.dir, "../../deploy");
type Doc = Record<string, any>;
const docs = (file: string): Doc[] => parseAllDocuments(readFileSync(join(DEPLOY, "k8s", file), "utf8")).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Doc;
});

const COMMANDS: Record<string, () => Promise<{ default: CommandDef<any> }>> = {
  sweep: () => import("../../src/cli/sweep.ts"),
  collect_data: () => import("../../src/cli/collect_data.ts"),
};

/** Every `--flag` of an argument list is declared by its command (value flags take the next item). */
async function checkArgs(args: string[]): Promise<void> {
  const name = args[0]!;
  expect(Object.keys(COMMANDS)).toContain(name);
  const cmd = (await COMMANDS[name]!()).default;
  const defs = (await cmd.args) as ArgsDef;
  let rest = args.slice(1);
  if (name === "sweep" && rest[0] === "merge") rest = rest.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    expect(a.startsWith("--"), `${name}: stray argument ${a}`).toBe(true);
    const def = defs[a.slice(2)];
    expect(def, `${name}: unknown flag ${a}`).toBeDefined();
    if (def!.type === "string") i++;
  }
}

const flag = (args: string[], f: string) => args[args.indexOf(f) + 1];

describe("deploy/k8s", () => {
  test("sweep: an Indexed Job, completions = --shards, S3 credentials from the Secret, flags that exist", async () => {
    const [job] = docs("sweep-job.yaml");
    expect(job!.kind).toBe("Job");
    expect(job!.spec.completionMode).toBe("Indexed");
    const c = job!.spec.template.spec.containers[0];
    const args: string[] = c.args;
    expect(Number(flag(args, "--shards"))).toBe(job!.spec.completions);
    expect(job!.spec.parallelism).toBeLessThanOrEqual(job!.spec.completions);
    expect(args).not.toContain("--shard"); // the index comes from JOB_COMPLETION_INDEX
    expect(flag(args, "--out")).toMatch(/^s3:\/\//);
    expect(flag(args, "--data-dir")).toMatch(/^s3:\/\//);
    expect(c.envFrom).toContainEqual({ secretRef: { name: "extended-mm-s3" } });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(Number(c.resources.requests.cpu)).toBe(Number(flag(args, "--threads")));
    expect(job!.spec.template.spec.restartPolicy).toBe("Never");
    expect(job!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    await checkArgs(args);

    const [merge] = docs("sweep-merge-job.yaml");
    const m = merge!.spec.template.spec.containers[0];
    expect(m.args.slice(0, 2)).toEqual(["sweep", "merge"]);
    expect(flag(m.args, "--out")).toBe(flag(args, "--out"));
    expect(m.envFrom).toContainEqual({ secretRef: { name: "extended-mm-s3" } });
    await checkArgs(m.args);
  });

  test("collector: a StatefulSet with a persistent volume at --data-dir and upload_to in its config", async () => {
    const all = docs("collector.yaml");
    const cm = all.find((d) => d.kind === "ConfigMap")!;
    const ss = all.find((d) => d.kind === "StatefulSet")!;
    expect(ss.spec.replicas).toBe(1);
    const c = ss.spec.template.spec.containers[0];
    await checkArgs(c.args);
    const dataDir = flag(c.args, "--data-dir");
    const claim = ss.spec.volumeClaimTemplates[0];
    expect(c.volumeMounts).toContainEqual({ name: claim.metadata.name, mountPath: dataDir });
    expect(claim.spec.accessModes).toEqual(["ReadWriteOnce"]);
    const config = JSON.parse(cm.data["config.json"]);
    expect(config.upload_to).toMatch(/^s3:\/\//);
    const { ConfigSchema } = await import("../../src/config/schema.ts");
    const v = await import("valibot");
    expect(v.safeParse(ConfigSchema, config).success).toBe(true);
    const configPath = flag(c.args, "--config")!;
    const mount = c.volumeMounts.find((x: Doc) => configPath.startsWith(x.mountPath + "/"));
    expect(ss.spec.template.spec.volumes.find((x: Doc) => x.name === mount.name).configMap.name).toBe(cm.metadata.name);
    expect(c.envFrom).toContainEqual({ secretRef: { name: "extended-mm-s3" } });
    const [secret] = docs("s3-secret.example.yaml");
    expect(Object.keys(secret!.stringData)).toEqual(expect.arrayContaining(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]));
  });

  test("Dockerfile: the binary from `npm run build`, run as a non-root user", () => {
    const df = readFileSync(join(DEPLOY, "Dockerfile"), "utf8");
    expect(df).toMatch(/RUN npm run build/);
    const copy = /COPY --from=build \/src\/dist\/extended-mm (\S+)/.exec(df);
    expect(copy).not.toBeNull();
    expect(df).toContain(`ENTRYPOINT ["${copy![1]}"]`);
    const user = /^USER (\S+)$/m.exec(df);
    expect(user && user[1] !== "root" && user[1] !== "0").toBe(true);
    expect(df).toMatch(/FROM debian:\S+-slim/);
  });
});
