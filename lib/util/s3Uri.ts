import { ConfigError } from '../errors';

export interface S3Location {
  readonly bucket: string;
  /** Key or key prefix, without a leading slash. */
  readonly key: string;
}

export function isS3Uri(value: string): boolean {
  return value.startsWith('s3://');
}

/** `s3://bucket/some/prefix/` → { bucket, key: 'some/prefix/' }; a clear error names the bad value. */
export function parseS3Uri(uri: string, field = 'path'): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new ConfigError(`${field} must look like s3://bucket/prefix (got "${uri}")`, { context: { field } });
  return { bucket: match[1]!, key: match[2] ?? '' };
}
