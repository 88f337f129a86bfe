import { readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { decodeImage } from "../frames/codec.js";
import { makeFrame } from "../frames/frame.js";
import { InputError, errorMessage, problem } from "../frames/problem.js";
import { parseCityscapesName } from "./cityscapes-names.js";
import { naturalCompare } from "./natural-sort.js";
import { isDir, walkFiles } from "../util/walk-files.js";
import { threadedSource } from "./source-thread.js";
import type { FrameSource, SourceEvent } from "./source.js";

/** Cityscapes replay rate when no timestamp files exist (≈ 30 frames / 1.8 s, specs/04 §4). */
export const DEFAULT_REPLAY_FPS = 17;

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export interface ImagesSourceOptions {
  readonly sourceId?: string;
  /** Used for stamps when no timestamp files are found. */
  readonly fps?: number;
  /**
   * Read and decode the images in a worker thread (default; source-thread.ts), so file reads
   * and the decoder's completion work stay off the main thread.
   */
  readonly readInWorker?: boolean;
  /**
   * With `readInWorker: false`: decode PNGs synchronously on this thread (png-decode.ts) —
   * cheaper than sharp, but it blocks the thread ≈ 5–15 ms per 1024×512 frame, so only for a
   * thread that exists to read (the reader thread sets it). Default false: sharp, off-thread.
   */
  readonly decodeOnThisThread?: boolean;
}

export interface ImageEntry {
  readonly path: string;
  /** Cityscapes stem when the name follows the grammar, else the file name without extension. */
  readonly stem: string;
  /** `<city>_<seq>` for Cityscapes names: a change of sequence resets per-sequence state (tracking). */
  readonly sequence: string;
  readonly stampNs: bigint | undefined;
}

/**
 * Reads timestamps under a Cityscapes root. Two forms are understood:
 * - segstream's per-sequence `timestamp_sequence/<split>/<city>/<city>_<seq>_timestamps.txt`,
 *   one line per frame: `<frame:06> <stampNs>` (lines starting with `#` are comments);
 * - Cityscapes' per-frame `<stem>_timestamp.txt` files (under `timestamp_sequence` or `timestamp`), one integer (ns).
 */
async function readTimestamps(root: string): Promise<Map<string, bigint>> {
  const stamps = new Map<string, bigint>();
  const files: string[] = [];
  for (const d of ["timestamp_sequence", "timestamp"]) {
    if (await isDir(join(root, d)))
      files.push(...(await walkFiles(join(root, d), (rel) => rel.endsWith(".txt"))));
  }
  for (const f of files) {
    const name = f.slice(f.lastIndexOf(sep) + 1);
    let text: string;
    try {
      text = await readFile(f, "utf8");
    } catch (e) {
      throw new InputError(f, `cannot read timestamps (${errorMessage(e)})`);
    }
    const perSeq = /^(.+_\d{6})_timestamps\.txt$/.exec(name);
    if (perSeq) {
      for (const line of text.split(/\r?\n/)) {
        const t = line.trim();
        if (!t || t.startsWith("#")) continue;
        const m = /^(\d{6})\s+(\d+)$/.exec(t);
        if (!m) throw new InputError(f, `bad timestamp line "${t}" (expected "<frame:06> <stampNs>")`);
        stamps.set(`${perSeq[1]}_${m[1]}`, BigInt(m[2]!));
      }
      continue;
    }
    const parsed = parseCityscapesName(name);
    if (parsed && /^\d+$/.test(text.trim())) stamps.set(parsed.stem, BigInt(text.trim()));
  }
  return stamps;
}

/**
 * Lists the frames of an images source: a Cityscapes root (`leftImg8bit_sequence/` preferred over
 * `leftImg8bit/`, any split and city), a folder inside such a tree, a plain folder of PNG/JPEG
 * files (natural sort order), or a single image file.
 */
export async function listImages(path: string): Promise<{ entries: ImageEntry[]; timestamps: boolean }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new InputError(`images:${path}`, `cannot open (${errorMessage(e)})`);
  }
  let files: string[] = [];
  let root = path;
  if (st.isFile()) {
    if (!IMAGE_EXT.test(path)) throw new InputError(`images:${path}`, "not a .png/.jpg/.jpeg file");
    files = [path];
  } else {
    const seqDir = join(path, "leftImg8bit_sequence");
    const stillDir = join(path, "leftImg8bit");
    const dir = (await isDir(seqDir)) ? seqDir : (await isDir(stillDir)) ? stillDir : path;
    files = await walkFiles(dir, (rel) => IMAGE_EXT.test(rel) && !/(^|[\\/])gt[A-Z]/.test(rel));
    // A folder inside a Cityscapes tree (…/leftImg8bit_sequence/val/city): timestamps live at the root.
    const marker = path.lastIndexOf(`${sep}leftImg8bit`);
    if (marker > 0) root = path.slice(0, marker);
  }
  files.sort((a, b) => naturalCompare(relative(path, a), relative(path, b)));
  const stamps = st.isFile() ? new Map<string, bigint>() : await readTimestamps(root);
  const entries = files.map((p): ImageEntry => {
    const name = p.slice(p.lastIndexOf(sep) + 1);
    const cs = parseCityscapesName(name);
    const stem = cs?.stem ?? name.replace(IMAGE_EXT, "");
    return {
      path: p,
      stem,
      sequence: cs ? `${cs.city}_${String(cs.seq).padStart(6, "0")}` : "",
      stampNs: stamps.get(stem),
    };
  });
  if (entries.length === 0) throw new InputError(`images:${path}`, "no .png/.jpg/.jpeg images found");
  return { entries, timestamps: entries.every((e) => e.stampNs !== undefined) };
}

/**
 * Replays images as Frames (rgb8, or mono8 for greyscale files). Pull-based: a file is read
 * and decoded only when the consumer asks for the next event. A corrupt or unreadable file
 * becomes a `decode-failed`/`read-failed` problem and the replay goes on.
 */
export async function openImagesSource(path: string, opts: ImagesSourceOptions = {}): Promise<FrameSource> {
  const { entries, timestamps } = await listImages(path);
  const fps = opts.fps ?? DEFAULT_REPLAY_FPS;
  if (!(fps > 0)) throw new InputError("fps", `must be > 0, got ${fps}`);
  const sourceId = opts.sourceId ?? "images";
  const shape = { id: sourceId, frameCount: entries.length, fps: timestamps ? undefined : fps };
  if (opts.readInWorker !== false && entries.length > 0) {
    return threadedSource({ kind: "images", path, sourceId, fps }, shape);
  }
  let closed = false;
  const periodNs = BigInt(Math.round(1e9 / fps));

  async function* events(): AsyncGenerator<SourceEvent> {
    for (let i = 0; i < entries.length && !closed; i++) {
      const e = entries[i]!;
      const stampNs = timestamps ? e.stampNs! : BigInt(i) * periodNs;
      let bytes: Uint8Array;
      try {
        bytes = await readFile(e.path);
      } catch (err) {
        yield problem("read-failed", e.path, errorMessage(err), { sourceId, frameId: i, stampNs });
        continue;
      }
      try {
        const img = await decodeImage(bytes, e.path, undefined, {
          onThisThread: opts.decodeOnThisThread === true,
        });
        const encoding = img.encoding === "mono16" ? "mono16" : img.encoding;
        yield makeFrame({
          id: i,
          stampNs,
          sourceId,
          width: img.width,
          height: img.height,
          encoding,
          data: img.data,
          meta: { stem: e.stem, uri: e.path, sequence: e.sequence },
        });
      } catch (err) {
        yield problem("decode-failed", e.path, errorMessage(err), { sourceId, frameId: i, stampNs });
      }
    }
  }

  return {
    ...shape,
    kind: "replay",
    events,
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
