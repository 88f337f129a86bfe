/** Human-readable tables in the layout cityscapesScripts prints ("classes IoU nIoU", then categories). */
import type { EvalResult } from "./evaluate.js";
import type { SemanticResult } from "./semantic.js";

const LINE = "--------------------------------";

function num(v: number): string {
  return Number.isNaN(v) ? "  nan" : v.toFixed(3).padStart(5);
}

function row(name: string, iou: number, iiou: number): string {
  return `${name.padEnd(14)}: ${num(iou)}    ${num(iiou)}`;
}

export function formatSemantic(s: SemanticResult): string {
  const out: string[] = ["classes          IoU      nIoU", LINE];
  for (const [name, c] of Object.entries(s.classes)) out.push(row(name, c.iou, c.iiou));
  out.push(LINE, row("Score Average", s.mIoU, s.iIoU), LINE, "");
  out.push("categories       IoU      nIoU", LINE);
  for (const [name, c] of Object.entries(s.categories)) out.push(row(name, c.iou, c.iiou));
  out.push(LINE, row("Score Average", s.categoryIoU, s.categoryIIoU), LINE);
  return out.join("\n");
}

export function formatEvalResult(r: EvalResult): string {
  const parts: string[] = [`Evaluated ${r.frames} frame(s).`, ""];
  if (r.semantic) parts.push(formatSemantic(r.semantic));
  return parts.join("\n") + "\n";
}
