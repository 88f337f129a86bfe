import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** The `code` of a Node system error (ENOENT, EACCES …), if it has one. */
export function codeOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string"
    ? e.code
    : undefined;
}

/**
 * `mkdir -p`: creates `dir` and any missing parents, one level at a time from the deepest
 * existing ancestor. Not `mkdir(dir, { recursive: true })`: Node 20.20's recursive mkdir never
 * returns where the kernel answers ENOENT for a directory whose parent exists (measured:
 * `/proc/x/y` spins a core forever), and a prediction directory given by mistake must fail, not hang.
 * Rejects with the system error (ENOTDIR, EACCES, EROFS, ENOENT …) naming the level that failed.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = (await stat(cur)).isDirectory();
    } catch (e) {
      const parent = dirname(cur);
      if (codeOf(e) !== "ENOENT" || parent === cur) throw e;
      missing.push(cur);
      cur = parent;
      continue;
    }
    if (!isDir) throw Object.assign(new Error(`ENOTDIR: not a directory, '${cur}'`), { code: "ENOTDIR" });
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
    }
  }
}
