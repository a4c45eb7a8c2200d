/**
 * How a Dagger (buildkit) include or exclude pattern selects a file: the
 * pattern matches the file or one of the directories above it, and `*` and
 * `**` match names that start with a dot too.
 */
import { minimatch } from "minimatch";

export function matchesPathOrParent(path: string, pattern: string): boolean {
  const parts = path.split("/");
  return parts.some((_, i) => minimatch(parts.slice(0, i + 1).join("/"), pattern, { dot: true }));
}
