import { join } from 'node:path';
import { ensureBucket } from '../../../lib/aws/resources';
import { FileSource, FileSplit } from '../../../lib/sources/file';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { tempDir } from '../../helpers/tmp';
import { digestInWorker, writeBigCsv } from './bigCsv';
import { uploadFileMultipart } from './s3Objects';

/**
 * A ~300 MB CSV whose quoted fields hold LF and CRLF line breaks and doubled quotes, uploaded
 * to the S3 emulator (fauxqs) with a multipart upload, cut into byte ranges at discovery (one
 * streaming pass over the object), then read range by range and whole: the two must give the
 * same records (ids and values) in the same order. The two read passes run at once on worker
 * threads (outside jest's sandbox, where csv-parse is ~3x slower). Timings are printed.
 * ADF_BIG_FILE_MB overrides the size.
 */
const TARGET_MB = Number(process.env.ADF_BIG_FILE_MB ?? 300);
const SPLIT_SIZE = '32M';

describe('a large CSV on S3 cut into byte ranges', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = Date.now() - started;
    }
  };

  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => {
    tmp.cleanup();
    process.stderr.write(`big-file timings (${TARGET_MB} MB): ${JSON.stringify(timings)}\n`);
  });

  it(`reads the same records from its ranges as from the whole object (${TARGET_MB} MB)`, async () => {
    const { clients, names } = aws();
    await ensureBucket(clients.s3, names.bucket);
    const local = join(tmp.dir, 'big.csv');
    const { bytes, rows } = await timed('generate', () => writeBigCsv(local, TARGET_MB * 1024 * 1024));
    const etag = await timed('upload', () => uploadFileMultipart(clients.s3, names.bucket, 'big/big.csv', local));
    const source = new FileSource({ path: `s3://${names.bucket}/big/`, splitSize: SPLIT_SIZE, s3Client: clients.s3 }, () => undefined);

    const splits: FileSplit[] = [];
    await timed('discover', async () => {
      for await (const page of source.createDiscoverer().discover(undefined)) splits.push(...page.splits);
    });
    const whole = FileSplit.create({ splitId: 'big.csv', path: `s3://${names.bucket}/big/big.csv`, fileId: 'big.csv', format: 'csv', compression: 'none', etag, size: bytes });
    // Both passes at once, each on its own worker thread (and core).
    const s3Options = { region: aws().region, endpoints: { s3: aws().endpoints.s3 }, credentials: aws().credentials };
    const [ranged, wholeDigest] = await Promise.all([
      timed('readRanges', () => digestInWorker(splits, source.config.formats, source.config.path, s3Options)),
      timed('readWhole', () => digestInWorker([whole], source.config.formats, source.config.path, s3Options)),
    ]);

    expect(splits.length).toBe(Math.ceil(bytes / (32 * 1024 * 1024)));
    splits.forEach((split, i) => {
      expect(split).toMatchObject({ splitId: `big.csv#${i}`, etag, size: bytes, fileSplits: splits.length });
      if (i > 0) expect(split.position.header).toEqual(['id', 'name', 'amount', 'note', 'description']);
    });
    expect(ranged).toEqual(wholeDigest);
    expect(ranged).toMatchObject({ records: rows, badRecords: 0 });
  }, 900_000);
});

