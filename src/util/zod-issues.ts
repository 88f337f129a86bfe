import { z } from "zod";
import { didYouMean } from "./suggest.js";

function unwrap(x: z.ZodType): z.ZodType {
  let cur = x;
  for (let i = 0; i < 8; i++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault || cur instanceof z.ZodPrefault) {
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodNullable) {
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodPipe) {
      cur = cur.in as z.ZodType;
    } else break;
  }
  return cur;
}

/** Keys a strict object schema accepts at `path`, for "did you mean" on unrecognized keys. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (s === undefined) return [];
    s = unwrap(s);
    if (s instanceof z.ZodUnion) {
      // Take the first object option (configs use unions of a shorthand and an object).
      s = (s.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
      if (s === undefined) return [];
    }
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return [];
  }
  if (s === undefined) return [];
  s = unwrap(s);
  if (s instanceof z.ZodUnion)
    s = (s.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** `sinks.dashboard.port`, `sources[1].path`, or `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "(top level)" : out;
}

/** One line per problem, with "did you mean" suggestions for unknown keys. */
export function formatZodIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      for (const k of issue.keys) {
        // No likely typo: list what the level accepts instead, so the reader need not open the docs.
        const hint = didYouMean(k, known) || (known.length > 0 ? ` (keys here: ${known.join(", ")})` : "");
        lines.push(`${formatPath([...issue.path, k])}: unknown key "${k}"${hint}`);
      }
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}
