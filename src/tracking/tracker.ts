/**
 * Mask-aware ByteTrack (specs/06): BYTE's association on Kalman-predicted boxes, with the
 * similarity blended with mask IoU and restricted to detections of the track's class.
 *
 * Per frame (`update`):
 *  0. Clock: seconds from `stampNs` (see `TrackerClock`). Tracks whose last match is more than
 *     `lostTrackBufferSeconds` ago are removed first (so a long gap in the stream ends them
 *     even before association), then every track is Kalman-predicted by the real Δt.
 *  1. Detections split by score: high ≥ highScoreThreshold; low in [lowScoreThreshold, high);
 *     below low dropped.
 *  2. One optimal assignment of all live tracks (tracked, lost and new/unconfirmed) to the high
 *     and low detections, cost 1 − similarity (× detection score when `fuseScore`, as
 *     ByteTrack), each pair admitted by BYTE's rule for its kind:
 *     - high detection × tracked or lost track: (fused) similarity ≥ matchThreshold (a lost
 *       track matched here comes back with its id);
 *     - high detection × new track: (fused) similarity ≥ unconfirmedMatchThreshold (its
 *       confirmation);
 *     - low detection × *tracked* track: similarity (not fused) ≥ lowScoreMatchThreshold. Low
 *       detections never match lost or new tracks and never start tracks; unmatched ones are
 *       dropped.
 *  3. Lost-track recovery: lost tracks with ≥ `RECOVERY_MIN_HITS` hits × the high detections
 *     still unmatched, admitted when the detection's centre is inside the track's Kalman gate
 *     (squared Mahalanobis distance ≤ `recoveryGate`, see `Track.centreDistance2`) and its
 *     height within a factor `RECOVERY_MAX_SCALE` of the track's — or, with appearance, inside
 *     the wider `appearanceRecoveryGate` when the two look alike (≥ `appearanceRecoverySimilarity`);
 *     cost = distance² / (wider gate) + (1 − appearance similarity).
 *  4. Unmatched tracked tracks become lost; a new track unmatched for more than
 *     `unconfirmedMaxMisses` frames is removed (a false positive; ByteTrack removes it at
 *     once, 0). On its first match a track's velocity is set from its two detections (see
 *     `Track.update`).
 *  5. Remaining high detections with score ≥ newTrackThreshold start tracks (fresh ids; on the
 *     first frame after construction/reset they are confirmed at once, as in ByteTrack).
 *
 * Why one assignment instead of ByteTrack's three sequential ones (tracked+lost × high, then
 * tracked × low, then new × the remaining high): in sequence, a track whose own detection is
 * low-score this frame, or lies next to an object whose track is still unconfirmed, is matched
 * in the first stage to a *neighbour's* high detection whenever that pair clears the
 * threshold, and the two identities swap (measured on the degraded-GT sequences: two
 * pedestrians walking side by side, cars queueing). In one assignment the competing pairs are
 * compared; score fusion still ranks a high detection above a low one of equal similarity, and
 * each kind of pair keeps BYTE's own admission rule.
 *
 * Similarity of track t and detection d (same class only, else no match):
 *     s = w · maskIoU(t.mask shifted by the predicted displacement, d.mask) + (1 − w) · boxIoU(t.predicted, d.box)
 * with w = maskIouWeight, floored by p · centreProximity(t.predicted, d.box) · (1 − boxIoU)
 * (p = proximityWeight; proximity = 1 − centre distance / mean box size; the (1 − boxIoU)
 * factor hands the decision to the masks where boxes overlap well): box and mask IoU fall to
 * ~0 for thin or fast objects
 * (at 17 fps a 6 px wide pedestrian moves more than its width), the centre term does not.
 * Mask IoU is only computed when the boxes overlap (box IoU > 0 — otherwise s is the centre
 * term alone) and when both masks are non-empty (otherwise w = 0 for that pair). The
 * track's mask is the mask of its last matched detection, shifted by the integer displacement of
 * the Kalman centre since that match — for a tracked track one frame of motion, for a lost track
 * the whole predicted path; the same blend is used for both, so the assignment compares tracked and
 * lost tracks on one scale (a lost track's stale mask lowers its score, which is the intended
 * bias toward tracks seen in the latest frame).
 *
 * Appearance (when `update` is given the frame's pixels and `appearanceMinSimilarity` > 0): each
 * detection's colour histograms under its mask (appearance.ts), computed on first use; a track
 * keeps a running blend (`appearanceMomentum`) of its matched detections'. In steps 2 and 3 a
 * pair whose descriptors are both known and less alike than `appearanceMinSimilarity` is never
 * admitted: a neighbour of another colour does not take the track of an object that vanished.
 *
 * Output policy: the returned result holds the instances whose detection is matched to a
 * track this frame *or* started a track this frame, each with its track id, plus (when
 * `coastFrames` > 0) the tracks with ≥ 3 hits missed for at most `coastFrames` frames, as their
 * last mask moved to the Kalman-predicted position (box: that mask's bounds, class: the track's,
 * score: below every real detection so real detections win overlapping pixels) — a detector
 * that misses an object for one frame does not break its track in the output; a track whose
 * moved mask keeps less than `COAST_MIN_VISIBLE` of its area inside the frame is leaving the
 * view and is not coasted (its missing detection is most likely not a miss) — new tracks are
 * output at birth so nothing flickers in or out for a frame; their id stays theirs if they are
 * confirmed in the next frame, and if not, the id is retired (never reused). Unmatched low
 * detections and unmatched high ones below newTrackThreshold are dropped. Boxes, scores and
 * class ids are the detection's own (not Kalman-smoothed), so box and mask agree. Masks are
 * made disjoint before output (MOTS; `overlapWinner`, overlaps.ts): by default a pixel claimed
 * by several confident instances stays with the smallest (a large object's mask spills over its
 * neighbours), low-score ones yield to confident ones and then go by score; disjoint masks
 * paint the same ids in any order (`paintInstanceIds`). An instance whose mask is emptied that
 * way is dropped from the output (its track still counts as matched).
 *
 * Deviations from ByteTrack: the single assignment (step 2), lost-track recovery (step 3),
 * `unconfirmedMaxMisses` 2, coasting; and no Tracked/Lost de-duplication (box IoU > 0.85): it
 * deletes an occluded object's lost track exactly when its occluder passes in front of it
 * (crossing objects), the case mask-aware tracking is meant to survive.
 */
import type { Instances, SegmentationResult } from "../inference/result.js";
import {
  appearanceSimilarity,
  appearanceSupported,
  blendAppearance,
  DetectionAppearances,
  type ImageView,
} from "./appearance.js";
import { solveAssignment } from "./assignment.js";
import { TrackerClock } from "./clock.js";
import { instancesFromSemantic } from "./components.js";
import {
  RECOVERY_MAX_SCALE,
  RECOVERY_MIN_HITS,
  trackerOptions,
  usesAppearance,
  type TrackerOptions,
  type TrackerOptionsInit,
} from "./options.js";
import { trackedOutput } from "./output.js";
import { boxIou, centreProximity, DetectionMasks, shiftedMaskIou } from "./similarity.js";
import { Track, type TrackState } from "./track.js";

/** A read-only view of a live track, for tests, dashboards and debugging. */
export interface TrackInfo {
  readonly id: number;
  readonly classId: number;
  readonly state: TrackState;
  readonly score: number;
  /** Kalman box x1, y1, x2, y2 (predicted this frame, or updated when matched). */
  readonly box: readonly [number, number, number, number];
  readonly hits: number;
  readonly lastSeenS: number;
}

export class ByteTracker {
  readonly options: TrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private framesSinceReset = 0;
  private readonly clock: TrackerClock;

  constructor(options: TrackerOptionsInit = {}) {
    this.options = trackerOptions(options);
    this.clock = new TrackerClock(1 / this.options.referenceFrameRate);
  }

  /** Forgets all tracks and the clock (a new sequence). Ids keep counting: never reused. */
  reset(): void {
    this.tracks = [];
    this.framesSinceReset = 0;
    this.clock.reset();
  }

  /** Live (not removed) tracks. */
  get activeTracks(): readonly TrackInfo[] {
    return this.tracks.map((t) => ({
      id: t.id,
      classId: t.classId,
      state: t.state,
      score: t.score,
      box: [t.box[0]!, t.box[1]!, t.box[2]!, t.box[3]!],
      hits: t.hits,
      lastSeenS: t.lastSeenS,
    }));
  }

  /** The id the next new track will get. */
  get nextTrackId(): number {
    return this.nextId;
  }

  /**
   * Associates `result`'s detections (its `detections` when present — an adapter's ranked list
   * below the display threshold, see `withDetections` in pipeline/assemble.ts — else its
   * instances) with tracks and returns the result with the tracked instances only, `trackIds`
   * filled (see the module comment for the output policy). A result without instances (and none
   * derivable) still advances time and is returned unchanged.
   */
  update(result: SegmentationResult, image?: ImageView): SegmentationResult {
    const o = this.options;
    // The model's ranked detections when it gives them (below its display threshold: BYTE's
    // low-score band), else its instances.
    let inst = result.detections ?? result.instances;
    if (inst === undefined && o.instancesFromSemantic && result.semantic !== undefined) {
      inst = instancesFromSemantic(result.semantic, o.components);
    }
    const dtS = this.clock.advance(result.stampNs);
    const now = this.clock.nowS;
    const firstFrame = this.framesSinceReset === 0;
    this.framesSinceReset++;

    // 0. Expire tracks not matched within the buffer, then predict.
    const dtFrames = dtS * o.referenceFrameRate;
    const alive: Track[] = [];
    for (const t of this.tracks) {
      if (now - t.lastSeenS > o.lostTrackBufferSeconds + 1e-9) continue;
      if (dtFrames > 0) t.predict(dtFrames);
      alive.push(t);
    }
    this.tracks = alive;

    if (inst === undefined) {
      this.ageUnmatched(new Set());
      return result;
    }

    const n = inst.count;
    const boxes = inst.boxes;
    const scores = inst.scores;
    const high: number[] = [];
    const low: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      if (s >= o.highScoreThreshold) high.push(i);
      else if (s >= o.lowScoreThreshold) low.push(i);
    }
    const masks = new DetectionMasks(inst.masks);
    const looks =
      image !== undefined && usesAppearance(o) && appearanceSupported(image, result.width, result.height)
        ? new DetectionAppearances(image, masks, inst.boxes, n)
        : null;
    const trackOf = new Int32Array(n).fill(0); // det → track id (0 = none)
    const matched = new Set<Track>();
    const take = (t: Track, d: number): void => {
      t.update(boxes, 4 * d, scores[d]!, masks.get(d), now, (now - t.lastSeenS) * o.referenceFrameRate);
      const a = looks?.get(d) ?? null;
      if (a !== null) {
        if (t.appearance === null) t.appearance = a.slice();
        else blendAppearance(t.appearance, a, o.appearanceMomentum);
      }
      trackOf[d] = t.id;
      matched.add(t);
    };
    /** Appearance similarity of track t and detection d; NaN when either descriptor is unknown. */
    const looksLike = (t: Track, d: number): number => {
      const a = t.appearance !== null ? (looks?.get(d) ?? null) : null;
      return a !== null ? appearanceSimilarity(t.appearance!, a) : NaN;
    };

    // 2. One assignment: every live track × high and low detections, BYTE's admission per pair.
    const tracks = this.tracks;
    const dets = [...high, ...low];
    const rows = tracks.length;
    const cols = dets.length;
    let unmatchedHigh = high;
    if (rows > 0 && cols > 0) {
      const cost = new Float64Array(rows * cols).fill(Infinity);
      for (let r = 0; r < rows; r++) {
        const t = tracks[r]!;
        const minHigh = t.state === "new" ? o.unconfirmedMatchThreshold : o.matchThreshold;
        for (let c = 0; c < cols; c++) {
          const d = dets[c]!;
          const isLow = c >= high.length;
          if (isLow && t.state !== "tracked") continue;
          const s = this.similarity(t, inst, d, masks);
          if (!(s > 0)) continue;
          const f = o.fuseScore ? s * scores[d]! : s;
          if (!(isLow ? s >= o.lowScoreMatchThreshold : f >= minHigh)) continue;
          // Appearance veto (only where both descriptors are known).
          if (o.appearanceMinSimilarity > 0 && looksLike(t, d) < o.appearanceMinSimilarity) continue;
          cost[r * cols + c] = 1 - f;
        }
      }
      // Every admitted pair is worth taking (cost < 1); the assignment minimises the total.
      const a = solveAssignment(cost, rows, cols, 1);
      for (let r = 0; r < rows; r++) {
        const c = a.rowToCol[r]!;
        if (c >= 0) take(tracks[r]!, dets[c]!);
      }
      unmatchedHigh = high.filter((_, c) => a.colToRow[c]! < 0);
    }

    // 3. Lost-track recovery for high detections that would start new tracks.
    if (o.recoveryGate > 0 && unmatchedHigh.length > 0) {
      unmatchedHigh = this.recover(inst, unmatchedHigh, take, looksLike);
    }
    this.ageUnmatched(matched);
    // 5. New tracks.
    for (const d of unmatchedHigh) {
      if (scores[d]! < o.newTrackThreshold) continue;
      const t = new Track(
        this.nextId++,
        inst.classIds[d]!,
        boxes,
        4 * d,
        scores[d]!,
        masks.get(d),
        now,
        firstFrame,
      );
      const a = looks?.get(d) ?? null;
      if (a !== null) t.appearance = a.slice();
      this.tracks.push(t);
      trackOf[d] = t.id;
    }
    return trackedOutput(result, inst, trackOf, masks, this.tracks, o);
  }

  /**
   * Matches lost tracks (≥ RECOVERY_MIN_HITS hits) to the detections `dets` by the Kalman gate
   * of their centre (`recoveryGate`) and a height within RECOVERY_MAX_SCALE; with appearance,
   * also within the wider `appearanceRecoveryGate` when the pair is at least
   * `appearanceRecoverySimilarity` alike, and never below `appearanceMinSimilarity`. Cost: the
   * gate-normalised distance² plus (1 − appearance similarity) when known. Returns the
   * detections left.
   */
  private recover(
    inst: Instances,
    dets: readonly number[],
    take: (t: Track, d: number) => void,
    looksLike: (t: Track, d: number) => number,
  ): number[] {
    const lost = this.tracks.filter((t) => t.state === "lost" && t.hits >= RECOVERY_MIN_HITS);
    const rows = lost.length;
    const cols = dets.length;
    if (rows === 0) return [...dets];
    const o = this.options;
    const gate = o.recoveryGate;
    const wide = Math.max(gate, o.appearanceRecoveryGate);
    const b = inst.boxes;
    const cost = new Float64Array(rows * cols).fill(Infinity);
    for (let r = 0; r < rows; r++) {
      const t = lost[r]!;
      const th = t.box[3]! - t.box[1]!;
      for (let c = 0; c < cols; c++) {
        const d = dets[c]!;
        if (t.classId !== inst.classIds[d]) continue;
        const dh = b[4 * d + 3]! - b[4 * d + 1]!;
        if (!(dh <= RECOVERY_MAX_SCALE * th && th <= RECOVERY_MAX_SCALE * dh)) continue;
        const m2 = t.centreDistance2(b, 4 * d);
        if (!(m2 <= wide)) continue;
        const a = looksLike(t, d); // NaN without appearance
        if (a < o.appearanceMinSimilarity) continue;
        if (m2 <= gate) cost[r * cols + c] = m2 / wide + (Number.isNaN(a) ? 0 : 1 - a);
        else if (a >= o.appearanceRecoverySimilarity) cost[r * cols + c] = m2 / wide + (1 - a);
      }
    }
    const a = solveAssignment(cost, rows, cols, 2);
    for (let r = 0; r < rows; r++) {
      const c = a.rowToCol[r]!;
      if (c >= 0) take(lost[r]!, dets[c]!);
    }
    return dets.filter((_, c) => a.colToRow[c]! < 0);
  }

  /** Unmatched tracked → lost; unmatched new → removed. */
  private ageUnmatched(matched: Set<Track>): void {
    const keep: Track[] = [];
    for (const t of this.tracks) {
      if (!matched.has(t)) {
        t.lostFrames++;
        if (t.state === "new") {
          if (++t.misses > this.options.unconfirmedMaxMisses) {
            t.state = "removed";
            continue;
          }
        }
        if (t.state === "tracked") t.state = "lost";
      }
      keep.push(t);
    }
    this.tracks = keep;
  }

  private similarity(t: Track, inst: Instances, d: number, masks: DetectionMasks): number {
    if (t.classId !== inst.classIds[d]) return 0;
    const bIou = boxIou(t.box, 0, inst.boxes, 4 * d);
    // The centre term is a floor for barely overlapping boxes; it fades as box IoU grows, so
    // where boxes overlap well the mask decides (two crossing objects in one box).
    const prox = this.options.proximityWeight * centreProximity(t.box, 0, inst.boxes, 4 * d) * (1 - bIou);
    if (bIou <= 0) return prox;
    const w = this.options.maskIouWeight;
    let s = bIou;
    if (w > 0 && t.mask !== null && t.mask.area > 0) {
      const dm = masks.get(d);
      if (dm.area > 0) s = w * shiftedMaskIou(t.mask, t.maskShiftX(), t.maskShiftY(), dm) + (1 - w) * bIou;
    }
    return s > prox ? s : prox;
  }
}
