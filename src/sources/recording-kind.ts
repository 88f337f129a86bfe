/**
 * What a file or folder given as `mcap:` is when it is not an MCAP file, and how to get one:
 * ROS 1 bags and rosbag2's SQLite storage are recognised by their first bytes, a rosbag2 folder
 * by the .mcap files in it. Only for error messages (start-up, exit 2).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

const ROS1_BAG_MAGIC = "#ROSBAG V2.0";
const SQLITE_MAGIC = "SQLite format 3\0";

/** A hint for a file whose first bytes are `head` and that is not MCAP, if its kind is known. */
export function notMcapHint(path: string, head: Uint8Array): string | undefined {
  const text = new TextDecoder("latin1").decode(head.subarray(0, 16));
  if (text.startsWith(ROS1_BAG_MAGIC))
    return `this is a ROS 1 bag (rosbag v2); convert it with the mcap CLI: mcap convert ${path} out.mcap`;
  if (text.startsWith(SQLITE_MAGIC))
    return (
      `this is rosbag2's SQLite storage (.db3); convert it: mcap convert ${path} out.mcap, ` +
      "or record with `ros2 bag record -s mcap`"
    );
  return undefined;
}

/** For a folder given as `mcap:DIR`: the spec(s) of the .mcap files in it (a rosbag2 bag folder). */
export async function bagFolderHint(dir: string): Promise<string> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(".mcap")).sort();
  } catch {
    files = [];
  }
  if (files.length === 0)
    return "point mcap: at an .mcap file (a rosbag2 folder recorded with `-s mcap` has one per split)";
  const specs = files.slice(0, 3).map((f) => `mcap:${join(dir, f)}`);
  return `point mcap: at a file in it: ${specs.join(", ")}${files.length > 3 ? ` (${files.length} in all)` : ""}`;
}
