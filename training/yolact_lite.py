"""A small YOLACT (specs/01) for the synthetic city.

backbone  MobileNetV3-Large features (reduced width) → C3 (stride 8), C4 (16), C5 (32)
FPN       lateral 1x1 + top-down bilinear upsample-add + 3x3 smoothing (ReLU); P6 = 3x3 stride-2 conv on P5
protonet  on P3: 2x (3x3 conv+ReLU), x2 bilinear upsample, 3x3 conv (ch/2)+ReLU, 1x1 conv → k prototypes; ReLU
          (proto_stride=4, YOLACT's: prototypes at 1/4 of the input). proto_stride=2 keeps the same start and
          adds detail for small objects (pedestrians 7-20 px wide): the stride-4 step also reads the backbone's
          stride-4 features (1x1 → 16 ch, concatenated), then x2 bilinear upsample, concatenation with the
          stride-2 features (1x1 → 8 ch), depthwise 3x3 + ReLU and the 1x1 → k prototypes at 1/2 of the input.
          The outputs keep YOLACT's layout (only proto's h, w change), so the same adapter decodes them.
head      shared over P3..P6: 3x3 upfeature (ReLU), 3x3 convs → loc (A*4), conf (A*C), mask (A*k, tanh)
semseg    1x1 conv on P3 → C-1 foreground classes (training-only auxiliary loss)

Priors per level: cells row-major (y then x), anchors innermost, for each scale → for each aspect ratio
(w = s*sqrt(ar)/W, h = s/sqrt(ar)/H — normalised per axis because the input is not square), cx = (x+0.5)/fw,
cy = (y+0.5)/fh. Box encoding: SSD centre-size with variances (0.1, 0.2).
"""
from __future__ import annotations

import math
from itertools import product

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf

VARIANCES = (0.1, 0.2)


class Backbone(nn.Module):
    def __init__(self, width_mult=0.5, low_taps=False):
        super().__init__()
        ins, last = _mobilenet_v3_conf("mobilenet_v3_large", width_mult=width_mult, dilated=False)
        self.features = MobileNetV3(ins, last).features
        cn = [i for i, b in enumerate(self.features) if getattr(b, "_is_cn", False)]
        # cn = first blocks at stride 4, 8, 16, 32 → stage ends
        self.taps = [cn[2] - 1, cn[3] - 1, len(self.features) - 1]  # C3, C4, C5
        self.channels = [self.features[i].out_channels for i in self.taps]
        # with low_taps: C1 (stride 2) and C2 (stride 4) come first in the outputs
        self.low = [cn[0] - 1, cn[1] - 1] if low_taps else []
        self.low_channels = [self.features[i].out_channels for i in self.low]
        self.taps = self.low + self.taps

    def forward(self, x):
        outs = []
        for i, m in enumerate(self.features):
            x = m(x)
            if i in self.taps:
                outs.append(x)
        return outs


class FPN(nn.Module):
    def __init__(self, in_channels, ch):
        super().__init__()
        self.lat = nn.ModuleList([nn.Conv2d(c, ch, 1) for c in in_channels])
        self.smooth = nn.ModuleList([nn.Conv2d(ch, ch, 3, padding=1) for _ in in_channels])
        self.down = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, feats):
        x = None
        outs = [None] * len(feats)
        for i in range(len(feats) - 1, -1, -1):
            l = self.lat[i](feats[i])
            if x is not None:
                l = l + F.interpolate(x, size=l.shape[-2:], mode="bilinear", align_corners=False)
            x = l
            outs[i] = x
        outs = [F.relu(s(o)) for s, o in zip(self.smooth, outs)]
        outs.append(self.down(outs[-1]))  # P6 (as YOLACT: conv on the P5 output, no ReLU)
        return outs


def make_priors(feature_sizes, scales, aspect_ratios, width, height):
    pri = []
    for (fh, fw), ss in zip(feature_sizes, scales):
        for y, x in product(range(fh), range(fw)):
            cx, cy = (x + 0.5) / fw, (y + 0.5) / fh
            for s in ss:
                for ar in aspect_ratios:
                    r = math.sqrt(ar)
                    pri.append([cx, cy, s * r / width, s / r / height])
    return torch.tensor(pri, dtype=torch.float32)


class YolactLite(nn.Module):
    def __init__(self, num_classes=7, width_mult=0.5, ch=64, k=24, size=(512, 256),
                 scales=((16,), (32,), (64,), (128,)), aspect_ratios=(1.0, 0.5, 2.0), proto_stride=4):
        super().__init__()
        if proto_stride not in (2, 4):
            raise ValueError(f"proto_stride must be 2 or 4, got {proto_stride}")
        self.num_classes, self.k, self.size, self.proto_stride = num_classes, k, size, proto_stride
        self.scales, self.aspect_ratios = [list(s) for s in scales], list(aspect_ratios)
        self.backbone = Backbone(width_mult, low_taps=proto_stride == 2)
        self.fpn = FPN(self.backbone.channels, ch)
        self.proto_pre = nn.Sequential(*[m for _ in range(2) for m in (nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(inplace=True))])
        pc = max(32, ch // 2)
        if proto_stride == 4:
            self.proto_post = nn.Sequential(nn.Conv2d(ch, pc, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(pc, k, 1))
        else:
            c1, c2 = self.backbone.low_channels
            self.low2 = nn.Sequential(nn.Conv2d(c1, 8, 1), nn.ReLU(inplace=True))
            self.low4 = nn.Sequential(nn.Conv2d(c2, 16, 1), nn.ReLU(inplace=True))
            self.proto_mid = nn.Sequential(nn.Conv2d(ch + 16, pc, 3, padding=1), nn.ReLU(inplace=True))
            self.proto_post = nn.Sequential(nn.Conv2d(pc + 8, pc + 8, 3, padding=1, groups=pc + 8), nn.ReLU(inplace=True),
                                            nn.Conv2d(pc + 8, k, 1))
        self.A = len(scales[0]) * len(aspect_ratios)
        self.upfeature = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(inplace=True))
        self.loc = nn.Conv2d(ch, self.A * 4, 3, padding=1)
        self.conf = nn.Conv2d(ch, self.A * num_classes, 3, padding=1)
        self.maskc = nn.Conv2d(ch, self.A * k, 3, padding=1)
        self.semseg = nn.Conv2d(ch, num_classes - 1, 1)
        w, h = size
        with torch.no_grad():
            feats = self.fpn(self.backbone(torch.zeros(1, 3, h, w))[len(self.backbone.low):])
        self.feature_sizes = [tuple(f.shape[-2:]) for f in feats]
        self.register_buffer("priors", make_priors(self.feature_sizes, self.scales, self.aspect_ratios, w, h), persistent=False)
        # bias init: background prior (focal-style) so training starts stable
        nn.init.constant_(self.conf.bias, 0.0)

    def forward(self, x):
        cs = self.backbone(x)
        nl = len(self.backbone.low)
        feats = self.fpn(cs[nl:])
        p = self.proto_pre(feats[0])
        if self.proto_stride == 4:
            p = F.interpolate(p, scale_factor=2, mode="bilinear", align_corners=False)
        else:
            c1, c2 = cs[0], cs[1]
            p = F.interpolate(p, size=c2.shape[-2:], mode="bilinear", align_corners=False)
            p = self.proto_mid(torch.cat([p, self.low4(c2)], 1))
            p = F.interpolate(p, size=c1.shape[-2:], mode="bilinear", align_corners=False)
            p = torch.cat([p, self.low2(c1)], 1)
        proto = F.relu(self.proto_post(p)).permute(0, 2, 3, 1).contiguous()  # NHWC
        n = x.shape[0]
        locs, confs, masks = [], [], []
        for f in feats:
            u = self.upfeature(f)
            locs.append(self.loc(u).permute(0, 2, 3, 1).reshape(n, -1, 4))
            confs.append(self.conf(u).permute(0, 2, 3, 1).reshape(n, -1, self.num_classes))
            masks.append(torch.tanh(self.maskc(u)).permute(0, 2, 3, 1).reshape(n, -1, self.k))
        out = {"loc": torch.cat(locs, 1), "conf": torch.cat(confs, 1), "mask": torch.cat(masks, 1), "proto": proto}
        if self.training:
            out["seg"] = self.semseg(feats[0])
        return out


class YolactExport(nn.Module):
    """Eval-branch outputs: loc, conf (softmax applied), mask (tanh), proto NHWC, priors."""

    def __init__(self, model: YolactLite):
        super().__init__()
        self.m = model

    def forward(self, x):
        o = self.m(x)
        pri = self.m.priors + 0.0 * x[0, 0, 0, 0]  # keep priors a computed graph output (not a bare initializer)
        return o["loc"], F.softmax(o["conf"], -1), o["mask"], o["proto"], pri


# ---------------------------------------------------------------- box utils
def point_form(p):
    return torch.cat([p[:, :2] - p[:, 2:] / 2, p[:, :2] + p[:, 2:] / 2], 1)


def center_size(b):
    return torch.cat([(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]], 1)


def jaccard(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    aa = (a[:, 2:] - a[:, :2]).prod(1)
    bb = (b[:, 2:] - b[:, :2]).prod(1)
    return inter / (aa[:, None] + bb[None, :] - inter)


def encode(matched, priors):
    g_cxcy = ((matched[:, :2] + matched[:, 2:]) / 2 - priors[:, :2]) / (VARIANCES[0] * priors[:, 2:])
    g_wh = torch.log((matched[:, 2:] - matched[:, :2]) / priors[:, 2:]) / VARIANCES[1]
    return torch.cat([g_cxcy, g_wh], 1)


def decode(loc, priors):
    cxcy = priors[:, :2] + loc[:, :2] * VARIANCES[0] * priors[:, 2:]
    wh = priors[:, 2:] * torch.exp(loc[:, 2:] * VARIANCES[1])
    return torch.cat([cxcy - wh / 2, cxcy + wh / 2], 1)


def crop_mask(masks, boxes, padding=0):
    """masks [h,w,n]; boxes [n,4] normalised x1y1x2y2. Zero outside boxes. Training loss only: its left/top
    bound is floor(x1*w - padding), one cell wider than dbolya's `crop` (crop_mask_ref, what inference and
    evaluation use); kept so that the training commands reproduce the bundled models."""
    h, w, n = masks.shape
    x1 = (boxes[:, 0] * w - padding).clamp(min=0)
    x2 = (boxes[:, 2] * w + padding).clamp(max=w)
    y1 = (boxes[:, 1] * h - padding).clamp(min=0)
    y2 = (boxes[:, 3] * h + padding).clamp(max=h)
    cols = torch.arange(w, dtype=masks.dtype).view(1, -1, 1)
    rows = torch.arange(h, dtype=masks.dtype).view(-1, 1, 1)
    keep = (cols >= x1.view(1, 1, -1).floor()) & (cols < x2.view(1, 1, -1).ceil()) & \
           (rows >= y1.view(1, 1, -1).floor()) & (rows < y2.view(1, 1, -1).ceil())
    return masks * keep.float()


# ---------------------------------------------------------------- loss
class YolactLoss:
    def __init__(self, num_classes, pos_thresh=0.5, neg_thresh=0.4, negpos=3, bbox_alpha=1.5, conf_alpha=1.0,
                 mask_alpha=6.125, seg_alpha=1.0, max_masks=100):
        self.C = num_classes
        self.pos_thresh, self.neg_thresh, self.negpos = pos_thresh, neg_thresh, negpos
        self.ba, self.ca, self.ma, self.sa = bbox_alpha, conf_alpha, mask_alpha, seg_alpha
        self.max_masks = max_masks

    def match(self, boxes, classes, priors):
        """boxes [n,4] normalised xyxy; returns loc_t [P,4], conf_t [P] (-1 neutral, 0 bg, c+1), idx_t [P]."""
        P = priors.shape[0]
        if boxes.shape[0] == 0:
            return torch.zeros(P, 4), torch.zeros(P, dtype=torch.long), torch.zeros(P, dtype=torch.long)
        ov = jaccard(boxes, point_form(priors))  # n,P
        best_truth_ov, best_truth_idx = ov.max(0)
        # force each GT's best prior (YOLACT: greedy over truths)
        ov2 = ov.clone()
        for _ in range(ov.shape[0]):
            bp_ov, bp_idx = ov2.max(1)
            j = bp_ov.argmax()
            i = bp_idx[j]
            ov2[:, i] = -1
            ov2[j, :] = -1
            best_truth_ov[i] = 2
            best_truth_idx[i] = j
        conf_t = classes[best_truth_idx] + 1
        conf_t[best_truth_ov < self.pos_thresh] = -1
        conf_t[best_truth_ov < self.neg_thresh] = 0
        loc_t = encode(boxes[best_truth_idx], priors)
        return loc_t, conf_t, best_truth_idx

    def __call__(self, out, targets, priors):
        """targets: list of dicts with boxes (norm xyxy), classes (0-based fg), masks (float [n,H,W])."""
        loc, conf, maskc, proto, seg = out["loc"], out["conf"], out["mask"], out["proto"], out["seg"]
        B, P = loc.shape[:2]
        loc_t, conf_t, idx_t = [], [], []
        for t in targets:
            a, b, c = self.match(t["boxes"], t["classes"], priors)
            loc_t.append(a), conf_t.append(b), idx_t.append(c)
        loc_t, conf_t, idx_t = torch.stack(loc_t), torch.stack(conf_t), torch.stack(idx_t)
        pos = conf_t > 0
        num_pos = pos.sum().clamp(min=1).float()
        losses = {}
        losses["B"] = F.smooth_l1_loss(loc[pos], loc_t[pos], reduction="sum") * self.ba / num_pos
        # OHEM
        with torch.no_grad():
            bc = conf.reshape(-1, self.C)
            lc = (torch.logsumexp(bc, 1) - bc[:, 0]).view(B, P)
            lc[pos] = 0
            lc[conf_t < 0] = 0
            _, li = lc.sort(1, descending=True)
            _, rank = li.sort(1)
            npos = pos.sum(1, keepdim=True)
            nneg = torch.clamp(self.negpos * npos, min=16, max=P - 1)
            neg = rank < nneg
            neg[pos] = False
            neg[conf_t < 0] = False
        sel = pos | neg
        losses["C"] = F.cross_entropy(conf[sel], conf_t[sel], reduction="sum") * self.ca / num_pos
        # masks
        mh, mw = proto.shape[1:3]
        lm = conf.new_zeros(())
        for b, t in enumerate(targets):
            pidx = torch.nonzero(pos[b]).flatten()
            if pidx.numel() == 0:
                continue
            if pidx.numel() > self.max_masks:
                pidx = pidx[torch.randperm(pidx.numel())[: self.max_masks]]
            gi = idx_t[b, pidx]
            with torch.no_grad():
                gm = F.interpolate(t["masks"][None], size=(mh, mw), mode="bilinear", align_corners=False)[0].gt(0.5).float()
                gm = gm[gi].permute(1, 2, 0)  # h,w,n
            pm = torch.sigmoid(proto[b] @ maskc[b, pidx].t())  # h,w,n
            gb = t["boxes"][gi]
            l = F.binary_cross_entropy(pm.clamp(1e-6, 1 - 1e-6), gm, reduction="none")
            l = crop_mask(l, gb)
            cs = center_size(gb)
            area = (cs[:, 2] * mw * cs[:, 3] * mh).clamp(min=1)
            lm = lm + (l.sum(dim=(0, 1)) / area).sum()
        losses["M"] = lm * self.ma / num_pos
        # semantic segmentation auxiliary loss (per-class BCE at P3 resolution)
        sh, sw = seg.shape[-2:]
        ls = conf.new_zeros(())
        for b, t in enumerate(targets):
            with torch.no_grad():
                st = torch.zeros(self.C - 1, sh, sw)
                if t["masks"].shape[0]:
                    dm = F.interpolate(t["masks"][None], size=(sh, sw), mode="bilinear", align_corners=False)[0].gt(0.5).float()
                    for j in range(dm.shape[0]):
                        c = int(t["classes"][j])
                        st[c] = torch.max(st[c], dm[j])
            ls = ls + F.binary_cross_entropy_with_logits(seg[b], st, reduction="sum") / (sh * sw)
        losses["S"] = ls * self.sa / B
        return losses


# ---------------------------------------------------------------- inference (python proxy of the Node adapter)
@torch.no_grad()
def fast_nms(boxes, scores, nms_thresh, top_k):
    """YOLACT Fast NMS for one class (specs/01 §6): sort by score (ties by index), keep the first top_k,
    keep j iff its max IoU with any higher-ranked box is <= nms_thresh. Returns kept indices by score."""
    order = sorted(range(scores.numel()), key=lambda i: (-float(scores[i]), i))[:top_k]
    if not order:
        return torch.zeros(0, dtype=torch.long)
    idx = torch.tensor(order, dtype=torch.long)
    iou = jaccard(boxes[idx], boxes[idx]).triu(diagonal=1)
    return idx[iou.max(0).values <= nms_thresh]


def crop_mask_ref(masks, boxes, padding=1):
    """masks [h,w,n]; boxes [n,4] normalised xyxy. dbolya's `crop` (specs/01 §7): float bounds
    x1 = min*w - padding clamped to 0, x2 = max*w + padding clamped to w; keep x1 <= col < x2."""
    h, w, n = masks.shape
    x1 = (torch.minimum(boxes[:, 0], boxes[:, 2]) * w - padding).clamp(min=0)
    x2 = (torch.maximum(boxes[:, 0], boxes[:, 2]) * w + padding).clamp(max=w)
    y1 = (torch.minimum(boxes[:, 1], boxes[:, 3]) * h - padding).clamp(min=0)
    y2 = (torch.maximum(boxes[:, 1], boxes[:, 3]) * h + padding).clamp(max=h)
    cols = torch.arange(w, dtype=masks.dtype).view(1, -1, 1)
    rows = torch.arange(h, dtype=masks.dtype).view(-1, 1, 1)
    keep = (cols >= x1.view(1, 1, -1)) & (cols < x2.view(1, 1, -1)) & \
           (rows >= y1.view(1, 1, -1)) & (rows < y2.view(1, 1, -1))
    return masks * keep.float()


def postprocess(loc, conf_prob, maskc, proto, priors, out_hw, conf_thresh=0.05, nms_thresh=0.5, top_k=200, max_det=100):
    """Single image, the same rules as segstream's yolact adapter (specs/01 §6-7): priors whose max
    foreground probability > conf_thresh; per class (all those priors, no second score threshold) Fast
    NMS with top_k; gather, sort by score, keep max_det; masks sigmoid(P·c), cropped at proto resolution
    with a 1-cell pad, bilinear (align_corners=False) to out_hw, > 0.5.
    conf_prob [P,C] softmaxed. Returns boxes (norm xyxy, unclamped), scores, classes (0-based fg),
    masks bool [n,H,W]."""
    H, W = out_hw
    boxes = decode(loc, priors)
    fg = conf_prob[:, 1:]
    idx = torch.nonzero(fg.max(1).values > conf_thresh).flatten()
    if idx.numel() == 0:
        return torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), torch.zeros(0, H, W, dtype=torch.bool)
    cb = boxes[idx]
    dets = []  # (score, class, candidate)
    for c in range(fg.shape[1]):
        sc = fg[idx, c]
        for j in fast_nms(cb, sc, nms_thresh, top_k).tolist():
            dets.append((float(sc[j]), c, j))
    dets.sort(key=lambda d: -d[0])  # stable: class order, then score rank, on ties
    dets = dets[:max_det]
    s = torch.tensor([d[0] for d in dets])
    cls = torch.tensor([d[1] for d in dets], dtype=torch.long)
    pidx = idx[torch.tensor([d[2] for d in dets], dtype=torch.long)]
    b = boxes[pidx]
    pm = torch.sigmoid(proto @ maskc[pidx].t())  # h,w,n
    pm = crop_mask_ref(pm, b.clamp(0, 1), padding=1)
    pm = F.interpolate(pm.permute(2, 0, 1)[None], size=(H, W), mode="bilinear", align_corners=False)[0]
    return b, s, cls, pm > 0.5
