/**
 * A split: an immutable unit of work that carries its own progress, so it can move to
 * another reader at any time (Flink's `SourceSplit#splitId`).
 *
 * @example
 * const split: SourceSplit = { splitId: 'data/a.csv' };
 */
export interface SourceSplit {
  readonly splitId: string;
}

/**
 * Turns splits into JSON-safe values and back. `version` is written next to every
 * serialized split so a newer reader can still restore an older checkpoint.
 *
 * @example
 * const s = FileSplitSerializer.serialize(split);
 * const back = FileSplitSerializer.deserialize(FileSplitSerializer.version, s);
 */
export interface SplitSerializer<S extends SourceSplit> {
  readonly version: number;
  serialize(split: S): SerializedSplitData;
  deserialize(version: number, data: SerializedSplitData): S;
}

/** JSON-safe data of one split, as stored in a checkpoint or a queue message. */
export type SerializedSplitData = Record<string, unknown>;

/** A split as it travels through stores and queues: its id, serializer version and data. */
export interface SerializedSplit {
  readonly splitId: string;
  readonly version: number;
  readonly data: SerializedSplitData;
}

export function serializeSplit<S extends SourceSplit>(serializer: SplitSerializer<S>, split: S): SerializedSplit {
  return { splitId: split.splitId, version: serializer.version, data: serializer.serialize(split) };
}

export function deserializeSplit<S extends SourceSplit>(serializer: SplitSerializer<S>, stored: SerializedSplit): S {
  return serializer.deserialize(stored.version, stored.data);
}
