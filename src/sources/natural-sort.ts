const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** Natural sort order: `frame2.png` before `frame10.png`. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
