/**
 * Message definition texts for the image messages segstream reads and writes, in the
 * concatenated form MCAP schemas carry (specs/07 §4): the top-level `.msg` text, then for each
 * dependency a line of 80 `=`, a line `MSG: <package>/<Type>` (no `/msg/`, as rosbag2 writes it)
 * and that type's text. Field lists are those of ROS 2 Humble `sensor_msgs` / `std_msgs` /
 * `builtin_interfaces` and ROS 1 Noetic `sensor_msgs` / `std_msgs` (comments shortened).
 */

export const MSG_DELIMITER = "=".repeat(80);

/** Concatenates a top-level definition and its dependencies (rosbag2 / MCAP `ros2msg`/`ros1msg` layout). */
export function concatDefinitions(top: string, deps: readonly { name: string; text: string }[]): string {
  const withNl = (t: string): string => (t.endsWith("\n") ? t : `${t}\n`);
  return [withNl(top), ...deps.map((d) => `\n${MSG_DELIMITER}\nMSG: ${d.name}\n${withNl(d.text)}`)].join("");
}

export const ROS2_TIME_MSG = `# This message communicates ROS Time defined here:
# https://design.ros2.org/articles/clock_and_time.html

# The seconds component, valid over all int32 values.
int32 sec

# The nanoseconds component, valid in the range [0, 10e9).
uint32 nanosec
`;

export const ROS2_HEADER_MSG = `# Standard metadata for higher-level stamped data types.
# This is generally used to communicate timestamped data
# in a particular coordinate frame.

# Two-integer timestamp that is expressed as seconds and nanoseconds.
builtin_interfaces/Time stamp

# Transform frame with which this data is associated.
string frame_id
`;

export const ROS2_IMAGE_MSG = `# This message contains an uncompressed image
# (0, 0) is at top-left corner of image

std_msgs/Header header # Header timestamp should be acquisition time of image
                             # Header frame_id should be optical frame of camera

uint32 height                # image height, that is, number of rows
uint32 width                 # image width, that is, number of columns

string encoding       # Encoding of pixels -- channel meaning, ordering, size
                      # taken from the list of strings in include/sensor_msgs/image_encodings.hpp

uint8 is_bigendian    # is this data bigendian?
uint32 step           # Full row length in bytes
uint8[] data          # actual matrix data, size is (step * rows)
`;

export const ROS2_COMPRESSED_IMAGE_MSG = `# This message contains a compressed image.

std_msgs/Header header # Header timestamp should be acquisition time of image
                             # Header frame_id should be optical frame of camera

string format                # Specifies the format of the data
                             #   Acceptable values:
                             #     jpeg, png, tiff

uint8[] data                 # Compressed image buffer
`;

const ROS2_HEADER_DEPS = [
  { name: "std_msgs/Header", text: ROS2_HEADER_MSG },
  { name: "builtin_interfaces/Time", text: ROS2_TIME_MSG },
] as const;

/** An MCAP schema record body (without id). `data` is UTF-8 text. */
export interface RosSchemaText {
  readonly name: string;
  readonly encoding: "ros2msg" | "ros1msg";
  readonly text: string;
}

export const ROS2_IMAGE_SCHEMA: RosSchemaText = {
  name: "sensor_msgs/msg/Image",
  encoding: "ros2msg",
  text: concatDefinitions(ROS2_IMAGE_MSG, ROS2_HEADER_DEPS),
};

export const ROS2_COMPRESSED_IMAGE_SCHEMA: RosSchemaText = {
  name: "sensor_msgs/msg/CompressedImage",
  encoding: "ros2msg",
  text: concatDefinitions(ROS2_COMPRESSED_IMAGE_MSG, ROS2_HEADER_DEPS),
};

export const ROS1_HEADER_MSG = `# Standard metadata for higher-level stamped data types.
# sequence ID: consecutively increasing ID
uint32 seq
#Two-integer timestamp that is expressed as:
# * stamp.sec: seconds (stamp_secs) since epoch
# * stamp.nsec: nanoseconds since stamp_secs
time stamp
#Frame this data is associated with
string frame_id
`;

export const ROS1_IMAGE_MSG = `# This message contains an uncompressed image
# (0, 0) is at top-left corner of image
Header header
uint32 height         # image height, that is, number of rows
uint32 width          # image width, that is, number of columns
string encoding       # Encoding of pixels -- channel meaning, ordering, size
uint8 is_bigendian    # is this data bigendian?
uint32 step           # Full row length in bytes
uint8[] data          # actual matrix data, size is (step * rows)
`;

export const ROS1_COMPRESSED_IMAGE_MSG = `# This message contains a compressed image
Header header        # Header timestamp should be acquisition time of image
string format        # Specifies the format of the data
                     #   Acceptable values:
                     #     jpeg, png
uint8[] data         # Compressed image buffer
`;

export const ROS1_IMAGE_SCHEMA: RosSchemaText = {
  name: "sensor_msgs/Image",
  encoding: "ros1msg",
  text: concatDefinitions(ROS1_IMAGE_MSG, [{ name: "std_msgs/Header", text: ROS1_HEADER_MSG }]),
};

export const ROS1_COMPRESSED_IMAGE_SCHEMA: RosSchemaText = {
  name: "sensor_msgs/CompressedImage",
  encoding: "ros1msg",
  text: concatDefinitions(ROS1_COMPRESSED_IMAGE_MSG, [{ name: "std_msgs/Header", text: ROS1_HEADER_MSG }]),
};

/** Schema names (ROS 2 and ROS 1 spellings) of the image messages a source can read. */
export const IMAGE_SCHEMA_NAMES: ReadonlySet<string> = new Set([
  "sensor_msgs/msg/Image",
  "sensor_msgs/Image",
]);
export const COMPRESSED_IMAGE_SCHEMA_NAMES: ReadonlySet<string> = new Set([
  "sensor_msgs/msg/CompressedImage",
  "sensor_msgs/CompressedImage",
]);

/** `sensor_msgs/msg/Image` | `sensor_msgs/msg/CompressedImage` | undefined for other schema names. */
export function imageSchemaKind(schemaName: string): "image" | "compressed" | undefined {
  if (IMAGE_SCHEMA_NAMES.has(schemaName)) return "image";
  if (COMPRESSED_IMAGE_SCHEMA_NAMES.has(schemaName)) return "compressed";
  return undefined;
}
