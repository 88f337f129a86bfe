/** Human-readable tables in the layout cityscapesScripts prints ("classes IoU nIoU", then categories). */
import type { EvalResult } from "./evaluate.js";
import type { InstanceResult } from "./instance-ap.js";
import type { PanopticResult } from "./panoptic.js";
import type { SemanticResult } from "./semantic.js";
import type { TrackingResult, TrackingScores } from "./tracking.js";

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

const pct = (v: number): string => (Number.isNaN(v) ? "nan" : (100 * v).toFixed(1)).padStart(6);

/** PQ/SQ/RQ per class and the All/Things/Stuff averages (panopticapi layout, in %). */
export function formatPanoptic(p: PanopticResult): string {
  const out: string[] = ["panoptic            PQ     SQ     RQ    TP    FP    FN", LINE + LINE];
  for (const [name, c] of Object.entries(p.classes)) {
    const counts = [c.tp, c.fp, c.fn].map((n) => String(n).padStart(6)).join("");
    out.push(`${name.padEnd(14)}${pct(c.pq)} ${pct(c.sq)} ${pct(c.rq)}${counts}`);
  }
  out.push(LINE + LINE);
  for (const [name, a] of [
    ["All", p.all],
    ["Things", p.things],
    ["Stuff", p.stuff],
  ] as const) {
    out.push(`${name.padEnd(14)}${pct(a.pq)} ${pct(a.sq)} ${pct(a.rq)}   (${a.n} classes)`);
  }
  return out.join("\n");
}

/** AP and AP50 per class (cityscapesScripts layout). */
export function formatInstance(r: InstanceResult): string {
  const out: string[] = ["instance            AP   AP_50%    GT  pred", LINE + LINE];
  for (const [name, c] of Object.entries(r.classes)) {
    out.push(
      `${name.padEnd(14)}: ${num(c.ap)}    ${num(c.ap50)}${String(c.gt).padStart(6)}${String(c.predictions).padStart(6)}`,
    );
  }
  out.push(LINE + LINE, `${"average".padEnd(14)}: ${num(r.ap)}    ${num(r.ap50)}`);
  return out.join("\n");
}

function trackingRow(name: string, s: TrackingScores): string {
  const h = s.hota;
  const c = s.clear;
  const cells = [h.hota, h.detA, h.assA, h.locA, c.motsa, c.smotsa, c.motsp, s.identity.idf1]
    .map(pct)
    .join("");
  return `${name.padEnd(14)}${cells}${String(c.ids).padStart(6)}`;
}

/** HOTA/DetA/AssA/LocA, MOTSA/sMOTSA/MOTSP, IDF1 and ID switches per class (in %). */
export function formatTracking(t: TrackingResult): string {
  const out: string[] = [
    `tracking (${t.sequences} sequence(s))`,
    "                HOTA  DetA  AssA  LocA MOTSA sMOTSA MOTSP  IDF1   IDS",
    LINE + LINE + "--------",
  ];
  for (const [name, s] of Object.entries(t.classes)) out.push(trackingRow(name, s));
  out.push(LINE + LINE + "--------");
  out.push(trackingRow("det-averaged", t.detAveraged), trackingRow("class-averaged", t.classAveraged));
  return out.join("\n");
}

export function formatEvalResult(r: EvalResult): string {
  const parts: string[] = [`Evaluated ${r.frames} frame(s).`, ""];
  if (r.semantic) parts.push(formatSemantic(r.semantic), "");
  if (r.panoptic) parts.push(formatPanoptic(r.panoptic), "");
  if (r.instance) parts.push(formatInstance(r.instance), "");
  if (r.tracking) parts.push(formatTracking(r.tracking), "");
  return parts.join("\n");
}
