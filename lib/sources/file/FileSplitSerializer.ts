import { AdfError } from '../../errors/AdfError';
import type { SerializedSplitData, SplitSerializer } from '../../source-support/SourceSplit';
import { FileSplit, type FileCompression, type FileFormat, type FilePosition, type FileSplitProps } from './FileSplit';

/**
 * Version 2 layout: the split's fields with the position flattened, plus the listed version
 * (`etag`, `size`), `fileSplits` and `versionTag` when set. Version 1 (written before byte-range splits
 * and S3) has none of the three and still reads: a whole, unpinned file. `deserialize`
 * rebuilds the split through its constructor, so a damaged checkpoint fails with a message
 * naming the bad field instead of producing a split that reads the wrong bytes.
 *
 * @example
 * const data = FileSplitSerializer.serialize(split);
 * const back = FileSplitSerializer.deserialize(FileSplitSerializer.version, JSON.parse(JSON.stringify(data)));
 */
export const FileSplitSerializer: SplitSerializer<FileSplit> = {
  version: 2,

  serialize(split: FileSplit): SerializedSplitData {
    const { position } = split;
    const data: SerializedSplitData = {
      splitId: split.splitId,
      path: split.path,
      fileId: split.fileId,
      format: split.format,
      compression: split.compression,
      start: split.start,
      end: split.end,
      offset: position.offset,
      line: position.line,
      records: position.records,
    };
    if (position.header) data.header = [...position.header];
    if (split.etag !== undefined) data.etag = split.etag;
    if (split.size !== undefined) data.size = split.size;
    if (split.fileSplits !== 1) data.fileSplits = split.fileSplits;
    if (split.versionTag !== undefined) data.versionTag = split.versionTag;
    return data;
  },

  deserialize(version: number, data: SerializedSplitData): FileSplit {
    if (version !== 1 && version !== 2) {
      throw new AdfError(`cannot read a FileSplit serialized with version ${version} (this reader knows versions 1 and 2)`, {
        context: { splitId: typeof data.splitId === 'string' ? data.splitId : undefined },
      });
    }
    const position: FilePosition = {
      offset: data.offset as number,
      line: data.line as number,
      records: data.records as number,
      ...(data.header === undefined ? {} : { header: data.header as string[] }),
    };
    // The constructor validates every field, including the ones cast here.
    return new FileSplit({
      splitId: data.splitId as string,
      path: data.path as string,
      fileId: data.fileId as string,
      format: data.format as FileFormat,
      compression: data.compression as FileCompression,
      start: data.start as number,
      end: data.end as number,
      position,
      ...(version >= 2 ? versioned(data) : {}),
    });
  },
};

/** The fields version 2 added; absent ones stay absent. */
function versioned(data: SerializedSplitData): Pick<FileSplitProps, 'etag' | 'size' | 'fileSplits' | 'versionTag'> {
  return {
    ...(data.versionTag === undefined ? {} : { versionTag: data.versionTag as string }),
    ...(data.etag === undefined ? {} : { etag: data.etag as string }),
    ...(data.size === undefined ? {} : { size: data.size as number }),
    ...(data.fileSplits === undefined ? {} : { fileSplits: data.fileSplits as number }),
  };
}
