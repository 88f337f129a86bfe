// Runs an exported model in onnxruntime-node on the reference input written by export_onnx.py --ref,
// compares every output with the PyTorch output (max abs diff), and times session.run.
//   node training/verify_ort.mjs models/deeplab-synth.onnx REFDIR [threads=2] [runs=30]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";

const [file, ref, threadsS = "2", runsS = "30"] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(ref, "meta.json"), "utf8"));
const f32 = (p) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const s = await ort.InferenceSession.create(file, {
  intraOpNumThreads: Number(threadsS),
  interOpNumThreads: 1,
  graphOptimizationLevel: process.env.ORT_OPT ?? "all",
});
const x = new ort.Tensor("float32", f32(join(ref, "input.bin")), meta.input);
const feeds = { [s.inputNames[0]]: x };
const out = await s.run(feeds);
let ok = true;
for (const name of s.outputNames) {
  const want = f32(join(ref, `${name}.bin`));
  const got = out[name].data;
  let maxd = 0;
  let maxw = 0;
  for (let i = 0; i < want.length; i++) maxw = Math.max(maxw, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) maxd = Math.max(maxd, Math.abs(want[i] - got[i]));
  const shapeOk = JSON.stringify(out[name].dims) === JSON.stringify(meta.outputs[name]);
  if (!shapeOk || maxd > 1e-3 * Math.max(1, maxw)) ok = false;
  console.log(
    `${name} dims ${JSON.stringify(out[name].dims)} (expected ${JSON.stringify(meta.outputs[name])}) max|diff| ${maxd.toExponential(2)} (max|torch| ${maxw.toExponential(2)})`,
  );
}
for (let i = 0; i < 5; i++) await s.run(feeds);
const ts = [];
for (let i = 0; i < Number(runsS); i++) {
  const t = performance.now();
  await s.run(feeds);
  ts.push(performance.now() - t);
}
ts.sort((a, b) => a - b);
console.log(
  `${file}: threads ${threadsS} ms/frame p50 ${ts[ts.length >> 1].toFixed(1)} min ${ts[0].toFixed(1)} p90 ${ts[Math.floor(ts.length * 0.9)].toFixed(1)}`,
);
console.log(ok ? "MATCH" : "MISMATCH");
process.exit(ok ? 0 : 1);
