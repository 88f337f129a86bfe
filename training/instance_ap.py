"""Cityscapes instance-level mask AP, as cityscapesScripts' evalInstanceLevelSemanticLabeling computes it without
distance information (specs/05 §2) — the metric `segstream eval --tasks instance` reports (src/eval/instance-ap.ts),
so the training-side numbers and segstream's agree on the same detections. Pure numpy.

- GT from the instanceIds image only: per class, every value of the class is a GT candidate (groups, value < 1000,
  included); scored GT: values >= 1000 with >= 100 pixels.
- VOID: instanceIds values that are ignoreInEval label ids.
- Per overlap th in 0.50, 0.55, ..., 0.95: a prediction matches a GT when IoU > th (strict). Several matches of one
  GT: the highest score is the TP, the others FP. A prediction with IoU > th with no GT candidate of its class is
  ignored when (void + group + too-small-GT pixels under it) / its area > th, else it is an FP. Unmatched scored GT:
  hard FN. Empty predictions are skipped. No minimum prediction size.
- PR curve: one point per distinct score, then (recall 0, precision 1); AP = sum of p_i * (r_{i-1} - r_{i+1}) / 2
  (precision is NOT made monotone, unlike COCO's 101-point AP). GT but no prediction: 0; no GT: NaN.
"""
from __future__ import annotations

import numpy as np

# Cityscapes label ids with ignoreInEval (license plate, id -1, never appears in an instanceIds image).
VOID_LABEL_IDS = (0, 1, 2, 3, 4, 5, 6, 9, 10, 14, 15, 16, 18, 29, 30)
OVERLAPS = np.arange(0.5, 1.0, 0.05)
MIN_REGION = 100


class InstanceAp:
    """Accumulates per-frame overlap statistics (no images kept); `result()` gives AP per class."""

    def __init__(self, label_ids):
        self.label_ids = [int(x) for x in label_ids]
        # per class: list of frames (gts [(value, pixels)], preds [(score, pixels, void pixels, [(gt index, inter)])])
        self.frames = {lab: [] for lab in self.label_ids}

    def add(self, instance_ids, masks, label_ids, scores):
        """instance_ids: HxW GT instanceIds; masks: bool [n,H,W]; label_ids: Cityscapes label id per prediction;
        scores: confidence per prediction."""
        flat = np.asarray(instance_ids).reshape(-1).astype(np.int64)
        vals, counts = np.unique(flat, return_counts=True)
        labs = np.where(vals >= 1000, vals // 1000, vals)
        void = np.isin(flat, VOID_LABEL_IDS)
        pm = np.asarray(masks, bool).reshape(len(masks), -1)
        label_ids = np.asarray(label_ids).reshape(-1)
        for lab in self.label_ids:
            sel = labs == lab
            gts = list(zip(vals[sel].tolist(), counts[sel].tolist()))
            index = {v: i for i, (v, _) in enumerate(gts)}
            preds = []
            for d in np.nonzero(label_ids == lab)[0]:
                m = pm[d]
                n = int(m.sum())
                if n == 0:
                    continue
                u, k = np.unique(flat[m], return_counts=True)
                ov = [(index[v], int(c)) for v, c in zip(u.tolist(), k.tolist()) if v in index]
                preds.append((float(scores[d]), n, int(void[m].sum()), ov))
            if gts or preds:
                self.frames[lab].append((gts, preds))

    def class_ap(self, lab, th):
        y_true, y_score = [], []
        hard_fns = 0
        have_gt = have_pred = False
        for gts, preds in self.frames[lab]:
            if preds:
                have_pred = True
            for gi, (value, pixels) in enumerate(gts):
                if value < 1000 or pixels < MIN_REGION:
                    continue
                have_gt = True
                matched, best = False, -np.inf
                for score, n, _, ov in preds:
                    for g, inter in ov:
                        if g != gi or not inter / (pixels + n - inter) > th:
                            continue
                        if matched:  # a second match of this GT: the lower score is an FP
                            y_true.append(0)
                            y_score.append(min(best, score))
                            best = max(best, score)
                        else:
                            matched, best = True, score
                if matched:
                    y_true.append(1)
                    y_score.append(best)
                else:
                    hard_fns += 1
            for score, n, void_px, ov in preds:
                if any(inter / (gts[g][1] + n - inter) > th for g, inter in ov):
                    continue
                ignore = void_px
                for g, inter in ov:
                    if gts[g][0] < 1000:
                        ignore += inter
                    if gts[g][1] < MIN_REGION:
                        ignore += inter
                if ignore / n <= th:
                    y_true.append(0)
                    y_score.append(score)
        if not have_gt:
            return float("nan")
        if not have_pred or not y_true:
            return 0.0
        return pr_area(np.array(y_true, np.float64), np.array(y_score, np.float64), hard_fns)

    def n_gt(self, lab):
        return sum(1 for gts, _ in self.frames[lab] for v, px in gts if v >= 1000 and px >= MIN_REGION)

    def result(self, names=None):
        """{name: {"AP50", "AP", "n_gt"}} for classes with scored GT (names: label id -> name, default the id)."""
        out = {}
        for lab in self.label_ids:
            n = self.n_gt(lab)
            if n == 0:
                continue
            aps = [self.class_ap(lab, th) for th in OVERLAPS]
            name = names[lab] if names else str(lab)
            out[name] = {"AP50": round(aps[0], 4), "AP": round(float(np.mean(aps)), 4), "n_gt": n}
        return out


def pr_area(y_true, y_score, hard_fns):
    """Area under Cityscapes' PR curve (points at each distinct score, ascending, then (0, 1); step widths
    (r_{i-1} - r_{i+1}) / 2 with r_{-1} = r_0)."""
    order = np.argsort(y_score, kind="stable")
    ys, yt = y_score[order], y_true[order]
    cum = np.cumsum(yt)
    n, n_true = len(ys), cum[-1]
    _, first = np.unique(ys, return_index=True)
    cum = np.append(cum, 0.0)  # cum[-1] = 0: nothing below the lowest score
    precision = np.zeros(len(first) + 1)
    recall = np.zeros(len(first) + 1)
    for i, k in enumerate(first):
        below = cum[k - 1]
        tp = n_true - below
        fp = n - k - tp
        fn = below + hard_fns
        precision[i] = tp / (tp + fp)
        recall[i] = tp / (tp + fn)
    precision[-1], recall[-1] = 1.0, 0.0
    r = np.concatenate([[recall[0]], recall, [0.0]])
    widths = np.convolve(r, [-0.5, 0, 0.5], "valid")
    return float(np.dot(precision, widths))
