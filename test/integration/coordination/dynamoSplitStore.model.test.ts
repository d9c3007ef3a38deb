/**
 * DynamoSplitStore against the reference model of the split store (test/helpers/splitStoreModel)
 * on DynamoDB Local and dynalite: random claims, commits, releases, duplicate deliveries,
 * expired-lease reclaims, failure reports, clock jumps, and responses lost after the server
 * applied the write (the SDK retries it). dynalite ignores ReturnValuesOnConditionCheckFailure,
 * so it exercises the store's read-back fallback.
 *
 * Before writes carried a writeId, this failed within a few runs, e.g.
 * `[create(s0) [response lost]]` (created, reported as not created: no message),
 * `[create(s1), claim(s1, r0, -1 ms) [response lost]]` (claimed twice, token + 2),
 * `[create(s0), claim(s0, r1, -1 ms), commit(r1, +0) [response lost]]` (counts added twice).
 */
import fc from 'fast-check';
import { DYNAMODB_BACKENDS } from '../../../lib/aws/emulators';
import { createDocumentClient, createDynamoDbClient } from '../../../lib/aws/clients';
import { ensureSplitTable } from '../../../lib/aws/resources';
import { DynamoSplitStore } from '../../../lib/coordination/DynamoSplitStore';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { loseResponses, type ResponseLoss } from '../../helpers/lostResponses';
import { MODEL_START, newModel, splitStoreCommands, type RealSplitStore } from '../../helpers/splitStoreModel';

let flows = 0;

describe.each(DYNAMODB_BACKENDS)('DynamoSplitStore on %s (model-based)', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  let client: ReturnType<typeof createDynamoDbClient>;
  let loss: ResponseLoss;
  beforeAll(async () => {
    await ensureSplitTable(aws().clients.dynamodb, aws().names.tableName);
    // A client of its own: the lost-response middleware must not touch the shared ones.
    client = createDynamoDbClient({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials, maxAttempts: 3 });
    loss = loseResponses(client);
  });
  afterAll(() => client?.destroy());

  it('answers and stores what the reference model does, whatever responses are lost', async () => {
    const documents = createDocumentClient(client);
    await fc.assert(
      fc.asyncProperty(splitStoreCommands({ serverless: true, lostResponses: true, maxCommands: 25 }), async (commands) => {
        const clock = { now: MODEL_START };
        // A flow of its own per run: a fresh, empty store on the shared table.
        const store = new DynamoSplitStore({ client: documents, tableName: aws().names.tableName, flow: `model-${++flows}`, clock: () => clock.now });
        const real: RealSplitStore = { store, clock, loss, leases: new Map() };
        await fc.asyncModelRun(() => ({ model: newModel(MODEL_START), real }), commands);
      }),
      { numRuns: 100 },
    );
    expect(loss.lost).toBeGreaterThan(20);
  }, 120_000);
});
