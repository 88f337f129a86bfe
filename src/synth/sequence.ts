import { AppearanceFilter, makeAppearance } from "./appearance.js";
import { defaultIntrinsics, type CameraPose, type Intrinsics } from "./camera.js";
import { Renderer } from "./render.js";
import { Rng } from "./rng.js";
import { generateWorld, type World } from "./world.js";

/** Parameters of one synthetic sequence. */
export interface SequenceConfig {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number;
}

/** One rendered frame. Buffers are owned by the sequence and reused by the next call. */
export interface SynthFrame {
  readonly index: number;
  /** round(index·1e9/fps); the first frame is 0. */
  readonly stampNs: bigint;
  readonly rgb: Uint8Array;
  readonly labelIds: Uint8Array;
  readonly instanceIds: Uint16Array;
  readonly pose: CameraPose;
  readonly intrinsics: Intrinsics;
}

export function stampNs(index: number, fps: number): bigint {
  return BigInt(Math.round((index * 1e9) / fps));
}

/** A deterministic sequence: same config → byte-identical frames. */
export class SynthSequence {
  readonly world: World;
  readonly intrinsics: Intrinsics;
  readonly renderer: Renderer;
  private readonly filter: AppearanceFilter;

  constructor(readonly config: SequenceConfig) {
    this.world = generateWorld(config.seed, config.frames, config.fps);
    this.intrinsics = defaultIntrinsics(config.width, config.height);
    this.renderer = new Renderer(this.world, this.intrinsics);
    const rng = new Rng(config.seed ^ 0x51f15e);
    const evening = this.world.look.skyHorizon === 0xf0c090;
    this.filter = new AppearanceFilter(
      makeAppearance(rng, evening),
      config.width,
      config.height,
      rng.int(0, 2 ** 30),
    );
  }

  /** Time (s) of frame i. */
  time(index: number): number {
    return index / this.config.fps;
  }

  render(index: number): SynthFrame {
    const pose = this.renderer.render(this.time(index));
    const tg = this.renderer.target;
    this.filter.apply(tg.rgb, index);
    return {
      index,
      stampNs: stampNs(index, this.config.fps),
      rgb: tg.rgb,
      labelIds: tg.labelIds,
      instanceIds: tg.instanceIds,
      pose,
      intrinsics: this.intrinsics,
    };
  }
}
