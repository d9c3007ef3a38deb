'use strict';
/**
 * serverless.yml's `${file(./deploy/afterFinishGrants.js):…}`: what the flow's `afterFinish`
 * needs from IAM, read from the flow itself (the `flow` param, as ADF_FLOW), so the grant and
 * the behaviour cannot disagree.
 *
 * - `needed`: 'true' when the flow deletes or moves its S3 input files once ingested, else 'false'
 *   (the template's AfterFinishGrants condition: no s3:DeleteObject for a flow that leaves its files);
 * - `moves`: 'true' for a move (the archive prefix also needs s3:PutObject);
 * - `inputObjects`: `<bucket>/<prefix>*` of the input files (the only keys DeleteObject may touch);
 * - `moveObjects`: `<bucket>/<prefix>*` of the archive (or the input again when there is no move).
 *
 * A flow whose afterFinish is not understood fails the packaging with a message naming it.
 */
module.exports = async ({ resolveVariable }) => {
  const text = await resolveVariable('param:flow');
  let flow;
  try {
    flow = JSON.parse(text);
  } catch (error) {
    throw new Error(`the flow param must be JSON (ADF_FLOW): ${error.message}`);
  }
  const input = s3Objects(flow.path);
  const action = afterFinishOf(flow.afterFinish);
  const needed = input !== undefined && action.kind !== 'leave';
  const moveTo = action.kind === 'move' ? s3Objects(action.to) : undefined;
  if (needed && action.kind === 'move' && moveTo === undefined) throw new Error(`afterFinish moves S3 input to ${action.to}: the target must be an s3:// prefix`);
  return {
    needed: String(needed),
    moves: String(needed && moveTo !== undefined),
    inputObjects: input ?? 'none/*',
    moveObjects: moveTo ?? input ?? 'none/*',
  };
};

/** `s3://bucket/prefix` → `bucket/prefix*`; undefined for a local path. */
function s3Objects(path) {
  if (typeof path !== 'string' || !path.startsWith('s3://')) return undefined;
  const rest = path.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  return `${bucket}/${prefix}*`;
}

/** As the file source reads it: 'leave' | 'delete' | 'move:<dest>' | { moveTo }. */
function afterFinishOf(value) {
  if (value === undefined || value === 'leave') return { kind: 'leave' };
  if (value === 'delete') return { kind: 'delete' };
  if (typeof value === 'string' && value.startsWith('move:')) return { kind: 'move', to: value.slice('move:'.length) };
  if (typeof value === 'object' && value !== null && typeof value.moveTo === 'string') return { kind: 'move', to: value.moveTo };
  throw new Error(`the flow's afterFinish must be leave, delete, move:<dest> or { "moveTo": … } (got ${JSON.stringify(value)})`);
}
