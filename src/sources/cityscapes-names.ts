/**
 * Cityscapes file-name grammar (specs/04 §2): `<city>_<seq:06>_<frame:06>_<type>[_<type2>].<ext>`.
 * The stem `<city>_<seq>_<frame>` is the join key for images, GT, predictions and timestamps.
 */
export interface CityscapesName {
  readonly city: string;
  readonly seq: number;
  readonly frame: number;
  /** `<city>_<seq:06>_<frame:06>` */
  readonly stem: string;
  /** What follows the stem, without extension, e.g. `leftImg8bit` or `gtFine_labelIds`. */
  readonly type: string;
}

const NAME = /^(.+)_(\d{6})_(\d{6})_([A-Za-z0-9_]+)\.[A-Za-z0-9]+$/;

export function parseCityscapesName(fileName: string): CityscapesName | undefined {
  const m = NAME.exec(fileName);
  if (!m) return undefined;
  const [, city, seq, frame, type] = m as unknown as [string, string, string, string, string];
  return { city, seq: Number(seq), frame: Number(frame), stem: `${city}_${seq}_${frame}`, type };
}

export function cityscapesStem(city: string, seq: number, frame: number): string {
  return `${city}_${String(seq).padStart(6, "0")}_${String(frame).padStart(6, "0")}`;
}
