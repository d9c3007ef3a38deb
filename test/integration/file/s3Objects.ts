import { open } from 'node:fs/promises';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Test-side S3 helpers: put, multipart upload from a file, existence and listing. */

export async function putObject(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<string> {
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
  return ETag!;
}

/** Uploads a local file in parts of `partBytes` (fauxqs takes request bodies up to 11 MiB), reading one part at a time. */
export async function uploadFileMultipart(s3: S3Client, bucket: string, key: string, path: string, partBytes = 8 * 1024 * 1024): Promise<string> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const file = await open(path, 'r');
  const parts: { PartNumber: number; ETag: string }[] = [];
  try {
    for (let partNumber = 1; ; partNumber++) {
      const buffer = Buffer.alloc(partBytes);
      const { bytesRead } = await file.read(buffer, 0, partBytes, null);
      if (bytesRead === 0) break;
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: partNumber, Body: buffer.subarray(0, bytesRead) }));
      parts.push({ PartNumber: partNumber, ETag: ETag! });
      if (bytesRead < partBytes) break;
    }
  } finally {
    await file.close();
  }
  const { ETag } = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  return ETag!;
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
