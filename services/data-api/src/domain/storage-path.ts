export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** `s3://bucket/key` ↔ location. Bucket names follow S3's rules; keys must be non-empty. */
export function parseStoragePath(path: string): ObjectLocation | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(path);
  if (!match) return undefined;
  return { bucket: match[1]!, key: match[2]! };
}

export function formatStoragePath(location: ObjectLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}
