import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * The files under `root` whose path relative to `root` passes `filter`, in directory order
 * (callers sort).
 *
 * Symbolic links are followed — a dataset tree assembled from links is common — and each real
 * directory is walked once, so a link cycle ends. A dangling link is listed like a file: the
 * read that follows fails with an error naming it (a missing frame becomes that frame's problem,
 * missing ground truth a bad input), where skipping it would make the file vanish unannounced.
 */
export async function walkFiles(
  root: string,
  filter: (rel: string) => boolean = () => true,
): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const kind = e.isSymbolicLink()
        ? await linkKind(p)
        : e.isDirectory()
          ? "dir"
          : e.isFile()
            ? "file"
            : "other";
      if (kind === "dir") await visit(p);
      else if (kind === "file" && filter(relative(root, p))) out.push(p);
    }
  };
  await visit(root);
  return out;
}

/** Whether `p` is a directory (following links); false when it does not exist or cannot be read. */
export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** What a symbolic link points at; a dangling link counts as a file. */
async function linkKind(p: string): Promise<"dir" | "file" | "other"> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  } catch {
    return "file";
  }
}
