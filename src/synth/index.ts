/** The synthetic Cityscapes-style city: a pure renderer (no I/O) and a Cityscapes-layout writer. */
export { SynthSequence, stampNs, type SequenceConfig, type SynthFrame } from "./sequence.js";
export { sequenceSeed } from "./rng.js";
export { cityFrames } from "./frames.js";
export { writeSynthetic, colorize, type SynthWriteOptions, type SynthWriteReport } from "./writer.js";
export * as layout from "./layout.js";
