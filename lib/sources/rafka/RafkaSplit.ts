import { ConfigError } from '../../errors';
import type { SerializedSplitData, SourceSplit, SplitSerializer } from '../../source-support/SourceSplit';
import { compareStreamIds, isStreamId, NO_STOP_ID, START_OF_STREAM } from './streamIds';

/** Progress in one partition: the id of the last entry whose batch is committed. */
export interface RafkaPosition {
  readonly lastId: string;
}

export interface RafkaSplitInit {
  readonly topic: string;
  readonly partition: number;
  readonly streamKey: string;
  /** Default START_OF_STREAM (nothing committed yet). */
  readonly position?: RafkaPosition;
  /** Last entry id to read, inclusive; default NO_STOP_ID (read on forever). */
  readonly stopId?: string;
}

/**
 * One partition of a topic: one Redis stream. Immutable and validated (Flink's
 * `KafkaPartitionSplit`); progress moves by making a new split with `withPosition`.
 *
 * @example
 * const split = new RafkaSplit({ topic: 'orders', partition: 3, streamKey: 'orders:3' });
 * const next = split.withPosition('1700000000000-0');
 */
export class RafkaSplit implements SourceSplit {
  /** The stream key: unique per Redis, and a changed key pattern makes new splits. */
  readonly splitId: string;
  readonly topic: string;
  readonly partition: number;
  readonly streamKey: string;
  readonly position: RafkaPosition;
  readonly stopId: string;

  constructor(init: RafkaSplitInit) {
    const lastId = init.position?.lastId ?? START_OF_STREAM;
    const stopId = init.stopId ?? NO_STOP_ID;
    check(typeof init.topic === 'string' && init.topic.length > 0, 'topic must be a non-empty string', init.topic);
    check(Number.isSafeInteger(init.partition) && init.partition >= 0, 'partition must be a whole number >= 0', init.partition);
    check(typeof init.streamKey === 'string' && init.streamKey.length > 0, 'streamKey must be a non-empty string', init.streamKey);
    check(typeof lastId === 'string' && isStreamId(lastId), 'position.lastId must be a stream entry id like 1700000000000-0', lastId);
    check(typeof stopId === 'string' && (stopId === NO_STOP_ID || isStreamId(stopId)), `stopId must be a stream entry id or NO_STOP_ID ("${NO_STOP_ID}")`, stopId);
    this.splitId = init.streamKey;
    this.topic = init.topic;
    this.partition = init.partition;
    this.streamKey = init.streamKey;
    this.position = Object.freeze({ lastId });
    this.stopId = stopId;
    Object.freeze(this);
  }

  /** This split, with `lastId` as its committed position. */
  withPosition(lastId: string): RafkaSplit {
    return new RafkaSplit({ ...this, position: { lastId } });
  }

  get bounded(): boolean {
    return this.stopId !== NO_STOP_ID;
  }

  /** True when everything up to the stop id is committed. */
  get reachedStop(): boolean {
    return compareStreamIds(this.position.lastId, this.stopId) >= 0;
  }
}

function check(ok: boolean, message: string, got: unknown): void {
  if (!ok) throw new ConfigError(`rafka split: ${message} (got ${JSON.stringify(got)})`, { context: { field: message.split(' ')[0] } });
}

/**
 * Version 1: `{ topic, partition, streamKey, lastId, stopId }`.
 *
 * @example
 * const data = RafkaSplitSerializer.serialize(split);
 * const back = RafkaSplitSerializer.deserialize(1, data);
 */
export const RafkaSplitSerializer: SplitSerializer<RafkaSplit> = {
  version: 1,
  serialize(split: RafkaSplit): SerializedSplitData {
    return { topic: split.topic, partition: split.partition, streamKey: split.streamKey, lastId: split.position.lastId, stopId: split.stopId };
  },
  deserialize(version: number, data: SerializedSplitData): RafkaSplit {
    if (version !== 1) throw new ConfigError(`rafka split: serializer version ${version} is not supported (this build reads version 1)`, { context: { field: 'version' } });
    return new RafkaSplit({
      topic: data.topic as string,
      partition: data.partition as number,
      streamKey: data.streamKey as string,
      position: { lastId: data.lastId as string },
      stopId: data.stopId as string,
    });
  },
};
