"""Reader for the Cityscapes layout written by `segstream synth` (and real Cityscapes).

Layout (specs/04):
  <root>/leftImg8bit_sequence/<split>/<city>/<city>_<seq:06>_<frame:06>_leftImg8bit.png
  <root>/gtFine/<split>/<city>/<stem>_gtFine_labelIds.png     (8-bit label ids)
  <root>/gtFine/<split>/<city>/<stem>_gtFine_instanceIds.png  (16-bit: id*1000+k for things, id for stuff)

Everything is preloaded into memory as uint8/uint16 numpy arrays (the synthetic sets are small),
resized to the model input size if needed (bilinear for images, nearest for labels).
"""
from __future__ import annotations

import glob
import os
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

# labelId -> trainId (Cityscapes-19); everything else -> 255 (ignore)
TRAIN_ID_TO_LABEL_ID = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]
TRAIN_NAMES = [
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
    "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
    "motorcycle", "bicycle",
]
LABEL_TO_TRAIN = np.full(256, 255, dtype=np.uint8)
for _t, _l in enumerate(TRAIN_ID_TO_LABEL_ID):
    LABEL_TO_TRAIN[_l] = _t

# YOLACT thing classes: conf index 0 = background, 1.. = these Cityscapes label ids
THING_LABEL_IDS = [24, 25, 26, 27, 28, 33]  # person, rider, car, truck, bus, bicycle
THING_NAMES = ["person", "rider", "car", "truck", "bus", "bicycle"]
LABEL_TO_THING = {l: i for i, l in enumerate(THING_LABEL_IDS)}  # 0-based foreground class

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def list_frames(root: str, split: str) -> list[tuple[str, str, str]]:
    """Return (image, labelIds, instanceIds) paths, sorted by stem."""
    pats = [
        os.path.join(root, "leftImg8bit_sequence", split, "*", "*_leftImg8bit.png"),
        os.path.join(root, "leftImg8bit", split, "*", "*_leftImg8bit.png"),
    ]
    out = []
    for pat in pats:
        for img in sorted(glob.glob(pat)):
            city = os.path.basename(os.path.dirname(img))
            stem = os.path.basename(img)[: -len("_leftImg8bit.png")]
            gt = os.path.join(root, "gtFine", split, city, stem + "_gtFine_")
            lab, ins = gt + "labelIds.png", gt + "instanceIds.png"
            if os.path.exists(lab):
                out.append((img, lab, ins))
        if out:
            break
    return out


def _read(path: str, size: tuple[int, int] | None, nearest: bool) -> np.ndarray:
    im = Image.open(path)
    if im.mode not in ("RGB", "L", "I", "I;16", "I;16B"):
        im = im.convert("RGB")
    if size is not None and im.size != size:
        im = im.resize(size, Image.NEAREST if nearest else Image.BILINEAR)
    return np.array(im)


@dataclass
class Frames:
    images: np.ndarray  # N,H,W,3 uint8 RGB
    labels: np.ndarray  # N,H,W uint8 label ids
    instances: np.ndarray | None  # N,H,W uint16 instance ids (None when not loaded)
    stems: list[str]


def load_frames(root: str, split: str, size: tuple[int, int] | None = None, limit: int | None = None,
                instances: bool = True) -> Frames:
    """size = (W, H) to resize to, or None to keep. `root` may list several roots separated by commas.

    Arrays are preallocated and filled frame by frame (no list + np.stack, which held every frame
    twice: at 768x384 the 3600-frame set peaked near 13 GB). `instances=False` skips the instance
    ids (`Frames.instances` is then None)."""
    items = []
    for r in root.split(","):
        found = list_frames(r, split)
        if not found:
            raise SystemExit(f"no frames found under {r} split {split}")
        items += found
    if limit:
        items = items[:limit]
    n = len(items)
    first = _read(items[0][0], size, False)[..., :3]
    h, w = first.shape[:2]
    imgs = np.empty((n, h, w, 3), np.uint8)
    labs = np.empty((n, h, w), np.uint8)
    inss = np.empty((n, h, w), np.uint16) if instances else None
    stems = []
    for i, (img, lab, ins) in enumerate(items):
        imgs[i] = first if i == 0 else _read(img, size, False)[..., :3]
        labs[i] = _read(lab, size, True).astype(np.uint8)
        if inss is not None:
            inss[i] = _read(ins, size, True).astype(np.uint16) if os.path.exists(ins) else labs[i]
        stems.append(os.path.basename(img)[: -len("_leftImg8bit.png")])
    return Frames(imgs, labs, inss, stems)


def normalize(img_u8: torch.Tensor) -> torch.Tensor:
    """N,H,W,3 uint8 -> N,3,H,W float normalised (ImageNet mean/std on RGB [0,1])."""
    x = img_u8.permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def color_jitter(x: torch.Tensor, strength: float = 0.25) -> torch.Tensor:
    """x: N,3,H,W in [0,1]. Brightness/contrast/saturation jitter per sample."""
    n = x.shape[0]
    b = 1 + (torch.rand(n, 1, 1, 1) * 2 - 1) * strength
    c = 1 + (torch.rand(n, 1, 1, 1) * 2 - 1) * strength
    s = 1 + (torch.rand(n, 1, 1, 1) * 2 - 1) * strength
    x = x * b
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - m) * c + m
    g = x.mean(dim=1, keepdim=True)
    x = (x - g) * s + g
    return x.clamp(0, 1)


def augment_batch(images: np.ndarray, labels: np.ndarray, instances: np.ndarray | None,
                  scale_range=(1.0, 1.25), flip=True, jitter=0.25, out_size: tuple[int, int] | None = None):
    """Light augmentation on a batch. Returns (x normalised float N,3,H,W, labels int64 N,H,W, instances int64 or None).

    h-flip, colour jitter, scale jitter (zoom in by s in scale_range, random crop back to H,W).
    out_size = (W, H) when the stored frames are smaller than the model input (frames kept at their rendered size
    to bound memory): the zoom then goes straight from the stored size to s x (W, H), bilinear for images and
    nearest for labels, as load_frames' resize would have done.
    """
    img = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    lab = torch.from_numpy(labels.astype(np.int64))
    ins = torch.from_numpy(instances.astype(np.int64)) if instances is not None else None
    n, _, h, w = img.shape
    resize = out_size is not None and (out_size[0], out_size[1]) != (w, h)
    if out_size is not None:
        w, h = out_size
    outs_i, outs_l, outs_n = [], [], []
    for i in range(n):
        im, lb = img[i:i + 1], lab[i:i + 1, None].float()
        nn_ = ins[i:i + 1, None].float() if ins is not None else None
        if flip and random.random() < 0.5:
            im, lb = im.flip(-1), lb.flip(-1)
            nn_ = nn_.flip(-1) if nn_ is not None else None
        s = random.uniform(*scale_range)
        if s > 1.001 or resize:
            nh, nw = int(round(h * s)), int(round(w * s))
            im = F.interpolate(im, size=(nh, nw), mode="bilinear", align_corners=False)
            lb = F.interpolate(lb, size=(nh, nw), mode="nearest")
            y0, x0 = random.randint(0, nh - h), random.randint(0, nw - w)
            im, lb = im[..., y0:y0 + h, x0:x0 + w], lb[..., y0:y0 + h, x0:x0 + w]
            if nn_ is not None:
                nn_ = F.interpolate(nn_, size=(nh, nw), mode="nearest")[..., y0:y0 + h, x0:x0 + w]
        outs_i.append(im)
        outs_l.append(lb)
        if nn_ is not None:
            outs_n.append(nn_)
    img = torch.cat(outs_i)
    if jitter > 0:
        img = color_jitter(img, jitter)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x = (img - mean) / std
    lab = torch.cat(outs_l)[:, 0].long()
    ins = torch.cat(outs_n)[:, 0].long() if outs_n else None
    return x, lab, ins


def repeat_factors(labels: np.ndarray, threshold: float, min_pixels: int = 20) -> np.ndarray:
    """LVIS-style repeat-factor sampling weights (Gupta et al. 2019) over the 19 train classes.

    f_c = fraction of images where class c covers >= min_pixels; r_c = max(1, sqrt(threshold / f_c));
    an image's weight is the largest r_c of the classes it contains. threshold <= 0 gives uniform weights.
    """
    n = len(labels)
    present = np.zeros((n, 19), dtype=bool)
    for i in range(n):
        cnt = np.bincount(LABEL_TO_TRAIN[labels[i]].ravel(), minlength=256)[:19]
        present[i] = cnt >= min_pixels
    if threshold <= 0:
        return np.ones(n)
    f = present.mean(0)
    r = np.where(f > 0, np.maximum(1.0, np.sqrt(threshold / np.maximum(f, 1e-9))), 1.0)
    return np.where(present, r[None, :], 1.0).max(1)


def to_train_ids(labels: torch.Tensor) -> torch.Tensor:
    lut = torch.from_numpy(LABEL_TO_TRAIN.astype(np.int64))
    return lut[labels.clamp(0, 255)]


def instances_of(ins: np.ndarray | torch.Tensor, min_pixels: int = 1):
    """Per-instance masks/boxes/classes from one instanceIds image (H,W).

    Returns masks bool [n,H,W], boxes float [n,4] (x1,y1,x2,y2 in pixels, x2/y2 exclusive),
    classes int [n] (0-based thing index), label ids [n], instance values [n].
    Only thing classes in THING_LABEL_IDS with id*1000+k encoding are returned (groups are skipped).
    """
    if isinstance(ins, torch.Tensor):
        ins = ins.numpy()
    vals = np.unique(ins)
    vals = vals[vals >= 1000]
    masks, boxes, classes, lids, ivals = [], [], [], [], []
    for v in vals:
        lid = int(v) // 1000
        if lid not in LABEL_TO_THING:
            continue
        m = ins == v
        npx = int(m.sum())
        if npx < min_pixels:
            continue
        ys, xs = np.nonzero(m)
        masks.append(m)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        classes.append(LABEL_TO_THING[lid])
        lids.append(lid)
        ivals.append(int(v))
    h, w = ins.shape
    if not masks:
        return (np.zeros((0, h, w), bool), np.zeros((0, 4), np.float32), np.zeros((0,), np.int64),
                np.zeros((0,), np.int64), np.zeros((0,), np.int64))
    return (np.stack(masks), np.array(boxes, np.float32), np.array(classes, np.int64),
            np.array(lids, np.int64), np.array(ivals, np.int64))


def make_fake_dataset(root: str, split: str, n_seq: int = 3, n_frames: int = 4, size=(512, 256), seed: int = 0):
    """Tiny fake dataset in the same layout (for unit-checking the code before the generator lands)."""
    rng = np.random.default_rng(seed)
    w, h = size
    city = "fake"
    for s in range(n_seq):
        for f in range(n_frames):
            lab = np.full((h, w), 23, np.uint8)  # sky
            lab[h // 2:] = 7  # road
            lab[h // 3: h // 2, : w // 3] = 11  # building
            ins = lab.astype(np.int32).copy()
            img = np.zeros((h, w, 3), np.uint8)
            k = {}
            for _ in range(rng.integers(1, 5)):
                lid = int(rng.choice([24, 26, 26, 28]))
                bw, bh = (int(rng.integers(8, 30)), int(rng.integers(20, 60))) if lid == 24 else (int(rng.integers(30, 120)), int(rng.integers(20, 60)))
                x0, y0 = int(rng.integers(0, w - bw)), int(rng.integers(h // 3, h - bh))
                lab[y0:y0 + bh, x0:x0 + bw] = lid
                ins[y0:y0 + bh, x0:x0 + bw] = lid * 1000 + k.setdefault(lid, 0)
                k[lid] += 1
            colors = {23: (70, 130, 180), 7: (128, 64, 128), 11: (70, 70, 70), 24: (220, 20, 60), 26: (0, 0, 142), 28: (0, 60, 100)}
            for lid, c in colors.items():
                img[lab == lid] = c
            img = np.clip(img.astype(int) + rng.integers(-10, 10, img.shape), 0, 255).astype(np.uint8)
            stem = f"{city}_{s:06d}_{f:06d}"
            d1 = os.path.join(root, "leftImg8bit_sequence", split, city)
            d2 = os.path.join(root, "gtFine", split, city)
            os.makedirs(d1, exist_ok=True)
            os.makedirs(d2, exist_ok=True)
            Image.fromarray(img).save(os.path.join(d1, stem + "_leftImg8bit.png"))
            Image.fromarray(lab).save(os.path.join(d2, stem + "_gtFine_labelIds.png"))
            Image.fromarray(ins.astype(np.uint16)).save(os.path.join(d2, stem + "_gtFine_instanceIds.png"))


if __name__ == "__main__":
    import sys
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/segtrain/fake"
    make_fake_dataset(root, "train")
    fr = load_frames(root, "train")
    print(fr.images.shape, fr.labels.shape, fr.instances.shape, fr.instances.dtype, fr.instances.max())
    x, l, i = augment_batch(fr.images[:4], fr.labels[:4], fr.instances[:4])
    print(x.shape, l.shape, i.shape, to_train_ids(l).unique())
    m, b, c, lids, v = instances_of(i[0])
    print(m.shape, b, c, lids, v)
