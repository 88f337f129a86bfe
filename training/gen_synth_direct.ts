/**
 * Stop-gap data writer used while `segstream synth` was not yet committed: renders SynthSequence
 * (src/synth/sequence.ts) directly and writes the Cityscapes layout. Per-sequence seed =
 * sequenceSeed(seed, seq) (src/synth/rng.ts). Prefer `segstream synth` once it exists.
 *   npx tsx training/gen_synth_direct.ts OUT SPLIT CITY SEED NSEQ FRAMES WxH
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../src/frames/codec.js";
import { sequenceSeed } from "../src/synth/rng.js";
import { SynthSequence } from "../src/synth/sequence.js";

const [out, split, city, seedS, nseqS, framesS, size] = process.argv.slice(2);
const [width, height] = size!.split("x").map(Number) as [number, number];
const seed = Number(seedS),
  nseq = Number(nseqS),
  frames = Number(framesS);
const pad = (n: number) => String(n).padStart(6, "0");
const d1 = join(out!, "leftImg8bit_sequence", split!, city!);
const d2 = join(out!, "gtFine", split!, city!);
mkdirSync(d1, { recursive: true });
mkdirSync(d2, { recursive: true });
for (let s = 0; s < nseq; s++) {
  const seq = new SynthSequence({ seed: sequenceSeed(seed, s), width, height, fps: 17, frames });
  for (let f = 0; f < frames; f++) {
    const fr = seq.render(f);
    const stem = `${city}_${pad(s)}_${pad(f)}`;
    writeFileSync(
      join(d1, `${stem}_leftImg8bit.png`),
      await encodePng({ width, height, encoding: "rgb8", data: fr.rgb }),
    );
    writeFileSync(
      join(d2, `${stem}_gtFine_labelIds.png`),
      await encodePng({ width, height, encoding: "mono8", data: fr.labelIds }),
    );
    const u8 = new Uint8Array(fr.instanceIds.buffer, fr.instanceIds.byteOffset, fr.instanceIds.byteLength);
    writeFileSync(
      join(d2, `${stem}_gtFine_instanceIds.png`),
      await encodePng({ width, height, encoding: "mono16", data: u8 }),
    );
  }
}
console.log(`wrote ${nseq}x${frames} frames to ${out}`);
