/**
 * A real S3-compatible server (s3rver, a dev dependency) on 127.0.0.1 for the object-storage tests.
 * s3rver checks the access key id of every signed request (an unknown one is InvalidAccessKeyId)
 * but does not recompute V4 signatures, so "wrong credentials" in these tests is a wrong key id.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import S3rver from "s3rver";

export interface TestS3 {
  endpoint: string;
  /** Environment for a process that talks to this server (the standard AWS_* names). */
  env: Record<string, string>;
  client(bucket: string): Bun.S3Client;
  close(): Promise<void>;
}

export const ACCESS_KEY = "S3RVER";
export const SECRET_KEY = "S3RVER";

export async function startS3(buckets: string[]): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = (await server.run());
  const endpoint = `http://127.0.0.1:${addr.port}`;
  return {
    endpoint,
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: endpoint },
    client: (bucket) => new Bun.S3Client({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, endpoint, bucket, region: "us-east-1" }),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Uploads every file under `localDir` to `bucket` under `prefix`, keeping relative paths. */
export async function uploadDir(c: Bun.S3Client, localDir: string, prefix: string): Promise<number> {
  let n = 0;
  const walk = async (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) await walk(p);
      else {
        await c.write(`${prefix}/${relative(localDir, p)}`, readFileSync(p));
        n++;
      }
    }
  };
  await walk(localDir);
  return n;
}
