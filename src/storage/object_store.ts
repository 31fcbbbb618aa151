/**
 * Objects by key, wherever they are kept: one interface, a local-filesystem and an S3 implementation.
 *
 *   const { store, prefix } = openObjectStore("s3://bucket/data");   // or a local path
 *   await store.list(prefix)  → [{ key, size }] in key order
 *   await store.read(key) / write(key, bytes) / stat(key)
 *
 * S3 goes through Bun's built-in client. Credentials, region and endpoint come from the standard
 * environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN / AWS_REGION and
 * AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) for S3-compatible stores; the S3_* names Bun reads
 * (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_SESSION_TOKEN, S3_REGION, S3_ENDPOINT) are the fallback.
 * Every failure is a StorageError naming the bucket and key and the store's error code — never a
 * credential (the messages are scrubbed of both keys in case a store echoes them).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { StorageError, describeError } from "../errors.ts";

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStat {
  size: number;
  /** The store's entity tag without quotes (S3: the MD5 of a single-part upload), if it has one. */
  etag?: string;
}

export interface ObjectStore {
  /** `s3://bucket` or `file://` — for messages. */
  readonly label: string;
  list(prefix: string): Promise<ObjectInfo[]>;
  read(key: string): Promise<Uint8Array>;
  /** Whole-object write: the object appears complete or not at all. */
  write(key: string, bytes: Uint8Array | string): Promise<void>;
  stat(key: string): Promise<ObjectStat | null>;
}

export const isObjectUrl = (s: string | undefined): s is string => s !== undefined && /^s3:\/\//i.test(s);

/** `s3://bucket/a/b` → { bucket, prefix: "a/b" } (no leading or trailing slash). */
export function parseObjectUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new StorageError(`${url}: expected s3://bucket/prefix`);
  return { bucket: m[1], prefix: m[2]!.replace(/\/+$/, "") };
}

/** Joins key segments with "/" (empty segments dropped). */
export const joinKey = (...parts: string[]) => parts.filter((p) => p !== "").join("/");

/** The store holding `url` and the key (or key prefix) it names. */
export function openObjectStore(url: string): { store: ObjectStore; prefix: string } {
  if (!isObjectUrl(url)) return { store: new LocalStore(), prefix: url };
  const { bucket, prefix } = parseObjectUrl(url);
  return { store: new S3Store(bucket), prefix };
}

/** Keys are absolute or relative paths; `list` walks the directory the prefix names (or its parent). */
export class LocalStore implements ObjectStore {
  readonly label = "file://";
  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (p.startsWith(prefix)) out.push({ key: p, size: st.size });
      }
    };
    let root = prefix;
    try {
      if (!statSync(prefix).isDirectory()) root = dirname(prefix);
    } catch {
      root = dirname(prefix);
    }
    walk(root);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  async read(key: string): Promise<Uint8Array> {
    return new Uint8Array(readFileSync(key));
  }
  async write(key: string, bytes: Uint8Array | string): Promise<void> {
    mkdirSync(dirname(key), { recursive: true });
    const tmp = join(dirname(key), `.${Date.now()}.${process.pid}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, key);
  }
  async stat(key: string): Promise<ObjectStat | null> {
    try {
      return { size: statSync(key).size };
    } catch {
      return null;
    }
  }
}

const env = (...names: string[]) => names.map((n) => process.env[n]).find((v) => v !== undefined && v !== "");

export class S3Store implements ObjectStore {
  readonly label: string;
  private readonly client: Bun.S3Client;
  private readonly secrets: string[];

  constructor(readonly bucket: string) {
    this.label = `s3://${bucket}`;
    const accessKeyId = env("AWS_ACCESS_KEY_ID", "S3_ACCESS_KEY_ID");
    const secretAccessKey = env("AWS_SECRET_ACCESS_KEY", "S3_SECRET_ACCESS_KEY");
    const sessionToken = env("AWS_SESSION_TOKEN", "S3_SESSION_TOKEN");
    this.secrets = [accessKeyId, secretAccessKey, sessionToken].filter((s): s is string => !!s && s.length >= 4);
    this.client = new Bun.S3Client({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      bucket,
      region: env("AWS_REGION", "AWS_DEFAULT_REGION", "S3_REGION") ?? "us-east-1",
      endpoint: env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "S3_ENDPOINT"),
    });
  }

  /** Runs one request; any failure becomes a one-line StorageError without credentials. */
  private async call<T>(key: string, what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      const code = (e as { code?: string }).code;
      let msg = `${this.label}/${key}: ${what} failed: ${code ? `${code} (${describeError(e)})` : describeError(e)}`;
      for (const s of this.secrets) msg = msg.split(s).join("***");
      throw new StorageError(msg);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return this.call(prefix, "list", async () => {
      const out: ObjectInfo[] = [];
      let startAfter: string | undefined;
      for (;;) {
        const page = await this.client.list({ prefix, startAfter, maxKeys: 1000 });
        for (const c of page.contents ?? []) out.push({ key: c.key, size: c.size ?? 0 });
        if (!page.isTruncated || !page.contents?.length) break;
        startAfter = page.contents[page.contents.length - 1]!.key;
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }
  async read(key: string): Promise<Uint8Array> {
    return this.call(key, "read", async () => new Uint8Array(await this.client.file(key).arrayBuffer()));
  }
  async write(key: string, bytes: Uint8Array | string): Promise<void> {
    await this.call(key, "write", () => this.client.write(key, bytes));
  }
  async stat(key: string): Promise<ObjectStat | null> {
    return this.call(key, "stat", async () => {
      try {
        const s = await this.client.stat(key);
        return { size: s.size, etag: s.etag?.replace(/"/g, "") };
      } catch (e) {
        if ((e as { code?: string }).code === "NoSuchKey") return null;
        throw e;
      }
    });
  }
}

/** MD5 hex of bytes: the ETag S3 gives a single-part upload (the collector's upload check). */
export const md5Hex = (bytes: Uint8Array) => new Bun.CryptoHasher("md5").update(bytes).digest("hex");

/** `key` relative to `prefix` ("a/b/c", "a" → "b/c"). */
export const keyUnder = (prefix: string, key: string) => (prefix === "" ? key : relative(prefix, key));
