// Per-class logit offsets for a semantic (deeplab) model, chosen on a tuning set to maximise its
// mIoU — a per-class generalisation of export_onnx.py's --logit-adjust (one tau for all classes).
// Runs the model in onnxruntime-node through segstream's own preprocessing (dist/, so build
// first), upsamples the logits to the frame exactly as PyTorch's bilinear align_corners=False,
// keeps each scored pixel's top-4 classes, then does coordinate ascent on the 19 offsets (grid
// steps 0.2, 0.1, 0.05 within ±2; a class's trial only revisits the pixels where it is in the
// top 4; up to 4 rounds per step). Writes {offsets, tuning mIoU before/after}; export_onnx.py --class-offsets bakes them
// into the classifier bias.
//   node training/calibrate_bias.mjs MODEL.onnx TUNE_ROOT [--check ROOT]... [--every N] [--out F.json]
//   node training/calibrate_bias.mjs MODEL.onnx ROOT --apply F.json   (score only, with given offsets)
// TUNE_ROOT / ROOT: a Cityscapes-layout set written by `segstream synth` (gtFine + leftImg8bit[_sequence]).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import ort from "onnxruntime-node";
import { decodeImage } from "../dist/frames/codec.js";
import { ID_TO_TRAIN_ID } from "../dist/frames/labels.js";
import { findGtFrames } from "../dist/eval/dataset.js";
import { Preprocessor } from "../dist/inference/preprocess.js";

const K = 4;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const checks = [];
for (let c = opt("--check"); c !== undefined; c = opt("--check")) checks.push(c);
const every = Number(opt("--every", "2"));
const outFile = opt("--out");
const applyFile = opt("--apply");
const showConfusion = args.includes("--confusion")
  ? (args.splice(args.indexOf("--confusion"), 1), true)
  : false;
const [modelPath, tuneRoot] = args;
if (!modelPath || !tuneRoot) {
  console.error(
    "usage: node training/calibrate_bias.mjs MODEL.onnx TUNE_ROOT [--check ROOT] [--every N] [--out F.json] [--apply F.json]",
  );
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(modelPath.replace(/\.onnx$/, ".json"), "utf8"));
const C = manifest.labels.length;
const trainOf = Uint8Array.from(manifest.labels, (l) => ID_TO_TRAIN_ID[l.labelId]);
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: Math.min(2, availableParallelism()),
  interOpNumThreads: 1,
});
const pre = new Preprocessor({ ...manifest.input, padValue: manifest.input.padValue ?? 0 });
const logitsName = manifest.outputs.logits ?? "out";

function imagePath(labelIdsPath, stem) {
  const split = dirname(dirname(labelIdsPath));
  const city = basename(dirname(labelIdsPath));
  const root = dirname(dirname(split));
  for (const dir of ["leftImg8bit_sequence", "leftImg8bit"]) {
    const p = join(root, dir, basename(split), city, `${stem}_leftImg8bit.png`);
    if (existsSync(p)) return p;
  }
  throw new Error(`${labelIdsPath}: no leftImg8bit image for ${stem}`);
}

/** Top-K classes and upsampled logits of every scored pixel of every `every`-th frame of `root`. */
async function collect(root) {
  const frames = (await findGtFrames(root)).filter((_, i) => i % every === 0);
  const cls = [];
  const val = [];
  const gts = [];
  let n = 0;
  for (const f of frames) {
    const img = await decodeImage(readFileSync(imagePath(f.labelIds, f.stem)), f.stem, "rgb8");
    const lab = await decodeImage(readFileSync(f.labelIds), f.labelIds, "mono8");
    pre.run(img);
    const x = new ort.Tensor("float32", pre.tensor, [1, 3, manifest.input.height, manifest.input.width]);
    const out = (await session.run({ [session.inputNames[0]]: x }))[logitsName];
    const [, c, h, w] = out.dims;
    if (c !== C) throw new Error(`${modelPath}: ${c} logit channels, manifest has ${C} labels`);
    const L = out.data;
    const W = img.width;
    const H = img.height;
    const fc = new Uint8Array(W * H * K);
    const fv = new Float32Array(W * H * K);
    const fg = new Uint8Array(W * H);
    let m = 0;
    const s = new Float32Array(C);
    const tap = (dst, src, size) => {
      let p = (dst + 0.5) * (size / src) - 0.5;
      if (p < 0) p = 0;
      const i0 = Math.min(Math.floor(p), size - 1);
      return [i0, Math.min(i0 + 1, size - 1), p - i0];
    };
    for (let y = 0; y < H; y++) {
      const [y0, y1, wy] = tap(y, H, h);
      for (let xx = 0; xx < W; xx++) {
        const g = ID_TO_TRAIN_ID[lab.data[y * W + xx]];
        if (g === 255) continue;
        const [x0, x1, wx] = tap(xx, W, w);
        for (let k = 0; k < C; k++) {
          const b = k * h * w;
          const top = L[b + y0 * w + x0] * (1 - wx) + L[b + y0 * w + x1] * wx;
          const bot = L[b + y1 * w + x0] * (1 - wx) + L[b + y1 * w + x1] * wx;
          s[k] = top * (1 - wy) + bot * wy;
        }
        for (let j = 0; j < K; j++) {
          let bi = 0;
          for (let k = 1; k < C; k++) if (s[k] > s[bi]) bi = k;
          fc[m * K + j] = bi;
          fv[m * K + j] = s[bi];
          s[bi] = -Infinity;
        }
        fg[m] = g;
        m++;
      }
    }
    cls.push(fc.subarray(0, m * K));
    val.push(fv.subarray(0, m * K));
    gts.push(fg.subarray(0, m));
    n += m;
  }
  const cat = (parts, T, per) => {
    const r = new T(n * per);
    let o = 0;
    for (const p of parts) {
      r.set(p, o);
      o += p.length;
    }
    return r;
  };
  return {
    n,
    frames: frames.length,
    cls: cat(cls, Uint8Array, K),
    val: cat(val, Float32Array, K),
    gt: cat(gts, Uint8Array, 1),
  };
}

const pick = (d, i, off) => {
  let best = d.cls[i * K];
  let bv = d.val[i * K] + off[best];
  for (let j = 1; j < K; j++) {
    const c = d.cls[i * K + j];
    const v = d.val[i * K + j] + off[c];
    if (v > bv) {
      bv = v;
      best = c;
    }
  }
  return best;
};

function confusion(d, off) {
  const conf = new Float64Array(19 * 19);
  const pred = new Uint8Array(d.n);
  for (let i = 0; i < d.n; i++) {
    const p = pick(d, i, off);
    pred[i] = p;
    const t = trainOf[p];
    if (t !== 255) conf[d.gt[i] * 19 + t]++; // a non-evaluated class counts in no class's IoU
  }
  return { conf, pred };
}

function miou(conf) {
  let sum = 0;
  let k = 0;
  const per = [];
  for (let c = 0; c < 19; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < 19; j++) {
      row += conf[c * 19 + j];
      col += conf[j * 19 + c];
    }
    const tp = conf[c * 19 + c];
    const u = row + col - tp;
    per.push(u > 0 ? tp / u : NaN);
    if (u > 0) {
      sum += tp / u;
      k++;
    }
  }
  return { miou: sum / k, per };
}

function optimise(d) {
  const off = new Float64Array(C);
  let { conf, pred } = confusion(d, off);
  let best = miou(conf).miou;
  const start = best;
  // pixels where each class is among the top K: the only ones its offset can move
  const members = Array.from({ length: C }, () => []);
  for (let i = 0; i < d.n; i++) for (let j = 0; j < K; j++) members[d.cls[i * K + j]].push(i);
  const lists = members.map((m) => Uint32Array.from(m));
  for (const step of [0.2, 0.1, 0.05]) {
    for (let round = 0; round < 4; round++) {
      let changed = false;
      for (let c = 0; c < C; c++) {
        if (trainOf[c] === 255) continue;
        const base = off[c];
        let bestD = 0;
        for (let s = -3; s <= 3; s++) {
          if (s === 0) continue;
          const trial = base + s * step;
          if (Math.abs(trial) > 2) continue;
          off[c] = trial;
          const cf = Float64Array.from(conf);
          for (const i of lists[c]) {
            const p = pick(d, i, off);
            if (p === pred[i]) continue;
            const g = d.gt[i] * 19;
            const to = trainOf[pred[i]];
            const tn = trainOf[p];
            if (to !== 255) cf[g + to]--;
            if (tn !== 255) cf[g + tn]++;
          }
          const m = miou(cf).miou;
          if (m > best + 1e-6) {
            best = m;
            bestD = s * step;
          }
        }
        off[c] = base + bestD;
        if (bestD !== 0) {
          changed = true;
          ({ conf, pred } = confusion(d, off));
        }
      }
      console.log(`step ${step} round ${round}: tuning mIoU ${best.toFixed(4)}`);
      if (!changed) break;
    }
  }
  return { off, start, best };
}

const names = manifest.labels.map((l) => l.name);
/** Per class with IoU < 0.9: where its GT pixels went and where its false positives came from (≥ 3 %). */
function printConfusion(conf) {
  const { per } = miou(conf);
  for (let c = 0; c < 19; c++) {
    if (!(per[c] < 0.9)) continue;
    let row = 0;
    let col = 0;
    for (let j = 0; j < 19; j++) {
      row += conf[c * 19 + j];
      col += conf[j * 19 + c];
    }
    const fnTo = [];
    const fpFrom = [];
    for (let j = 0; j < 19; j++) {
      if (j === c) continue;
      if (conf[c * 19 + j] / row >= 0.03)
        fnTo.push(`${names[j]} ${((100 * conf[c * 19 + j]) / row).toFixed(0)}%`);
      if (conf[j * 19 + c] / col >= 0.03)
        fpFrom.push(`${names[j]} ${((100 * conf[j * 19 + c]) / col).toFixed(0)}%`);
    }
    console.log(
      `${names[c]} IoU ${per[c].toFixed(3)}: GT ${row} px, predicted ${col} px; GT -> ${fnTo.join(", ")}; predicted <- ${fpFrom.join(", ")}`,
    );
  }
}
const fmt = (per) =>
  Object.fromEntries(
    per
      .map((v, c) => [names[c] ?? c, Number.isNaN(v) ? null : Number(v.toFixed(3))])
      .filter(([, v]) => v !== null),
  );
const t0 = Date.now();
const tune = await collect(tuneRoot);
console.log(
  `${tuneRoot}: ${tune.frames} frames, ${tune.n} scored pixels (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
);
let offsets;
const report = { model: modelPath, tuning: tuneRoot, every };
if (applyFile) {
  offsets = Float64Array.from(JSON.parse(readFileSync(applyFile, "utf8")).offsets);
  const r = miou(confusion(tune, offsets).conf);
  console.log(`with ${applyFile}: mIoU ${r.miou.toFixed(4)}`, fmt(r.per));
  if (showConfusion) printConfusion(confusion(tune, offsets).conf);
} else {
  const before = miou(confusion(tune, new Float64Array(C)).conf);
  console.log(`tuning mIoU before ${before.miou.toFixed(4)}`, fmt(before.per));
  const { off, best } = optimise(tune);
  offsets = off;
  const after = miou(confusion(tune, off).conf);
  console.log(`tuning mIoU after ${best.toFixed(4)}`, fmt(after.per));
  console.log("offsets", Object.fromEntries([...off].map((v, c) => [names[c], Number(v.toFixed(2))])));
  Object.assign(report, {
    tuningBefore: before.miou,
    tuningAfter: best,
    offsets: [...off].map((v) => Number(v.toFixed(3))),
  });
}
for (const root of checks) {
  const d = await collect(root);
  const a = miou(confusion(d, new Float64Array(C)).conf);
  const b = miou(confusion(d, offsets).conf);
  console.log(
    `check ${root}: ${d.frames} frames, mIoU ${a.miou.toFixed(4)} -> ${b.miou.toFixed(4)}`,
    fmt(b.per),
  );
  report[`check:${root}`] = { before: a.miou, after: b.miou };
}
if (outFile && !applyFile) writeFileSync(outFile, `${JSON.stringify(report, null, 1)}\n`);
