import { lazySchema } from '../../util/lazySchema';

/** One object an S3 notification says was created. */
export interface S3ObjectRef {
  readonly bucket: string;
  /** The object key, decoded (notifications URL-encode it). */
  readonly key: string;
}

const S3Record = lazySchema((z) => z.object({
  eventName: z.string(),
  s3: z.object({ bucket: z.object({ name: z.string().min(1) }), object: z.object({ key: z.string().min(1) }) }),
}));
const SqsRecord = lazySchema((z) => z.object({ eventSource: z.literal('aws:sqs'), body: z.string() }));
const SnsRecord = lazySchema((z) => z.object({ EventSource: z.literal('aws:sns'), Sns: z.object({ Message: z.string() }) }));
const SnsEnvelope = lazySchema((z) => z.object({ Type: z.literal('Notification'), Message: z.string() }));
const RecordsEvent = lazySchema((z) => z.object({ Records: z.array(z.unknown()) }));
const TestEvent = lazySchema((z) => z.object({ Event: z.literal('s3:TestEvent') }));
const EventBridgeS3 = lazySchema((z) => z.object({ source: z.literal('aws.s3'), 'detail-type': z.string(), detail: z.unknown() }));
const EventBridgeDetail = lazySchema((z) => z.object({ bucket: z.object({ name: z.string().min(1) }), object: z.object({ key: z.string().min(1) }) }));

/** Event names of created objects: `ObjectCreated:Put` (AWS), `s3:ObjectCreated:Put` (MinIO, LocalStack variants). */
const CREATED = /^(s3:)?ObjectCreated:/;

/**
 * The objects an S3 "object created" notification names, in whichever envelope it came:
 *
 * - a direct S3 event (`Records[].s3.bucket.name` / `.object.key`; keys are URL-encoded with
 *   '+' for a space, and are decoded here);
 * - an SQS event whose record bodies are S3 events (S3 → SQS) or SNS envelopes (S3 → SNS → SQS),
 *   and an SNS event (S3 → SNS → Lambda);
 * - an EventBridge "Object Created" event (`detail.bucket.name`, `detail.object.key`; EventBridge
 *   sends keys as they are, not URL-encoded).
 *
 * `s3:TestEvent` bodies (sent when a notification is configured), other event types (removed,
 * restored …) and records that are not S3 notifications yield nothing.
 *
 * @example
 * parseS3Notification({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'in-bucket' }, object: { key: 'a+b%2B.csv' } } }] });
 * // [{ bucket: 'in-bucket', key: 'a b+.csv' }]
 */
export function parseS3Notification(event: unknown): S3ObjectRef[] {
  return readS3Notification(event) ?? [];
}

/**
 * Like parseS3Notification, but undefined when `event` is no S3 notification at all (a
 * schedule, a manual invoke), so a caller can tell "nothing created" from "not for me".
 */
export function readS3Notification(event: unknown): S3ObjectRef[] | undefined {
  if (TestEvent().safeParse(event).success) return [];
  const bridge = EventBridgeS3().safeParse(event);
  if (bridge.success) {
    const detail = EventBridgeDetail().safeParse(bridge.data.detail);
    return bridge.data['detail-type'] === 'Object Created' && detail.success ? [{ bucket: detail.data.bucket.name, key: detail.data.object.key }] : [];
  }
  const envelope = SnsEnvelope().safeParse(event);
  if (envelope.success) return readS3Notification(parseJson(envelope.data.Message));
  const records = RecordsEvent().safeParse(event);
  if (!records.success) return undefined;
  let recognized = false;
  const objects: S3ObjectRef[] = [];
  for (const record of records.data.Records) {
    const inner = innerNotification(record);
    if (inner === undefined) continue;
    recognized = true;
    objects.push(...inner);
  }
  return recognized ? objects : undefined;
}

/** The objects one record names, or undefined when the record is not (or does not carry) an S3 notification. */
function innerNotification(record: unknown): S3ObjectRef[] | undefined {
  const s3 = S3Record().safeParse(record);
  if (s3.success) return CREATED.test(s3.data.eventName) ? [{ bucket: s3.data.s3.bucket.name, key: decodeKey(s3.data.s3.object.key) }] : [];
  const sqs = SqsRecord().safeParse(record);
  if (sqs.success) return readS3Notification(parseJson(sqs.data.body));
  const sns = SnsRecord().safeParse(record);
  if (sns.success) return readS3Notification(parseJson(sns.data.Sns.Message));
  return undefined;
}

/** S3 notification keys are form-encoded: '+' is a space, '%2B' a plus. */
function decodeKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // a stray '%': the key is not encoded after all
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
