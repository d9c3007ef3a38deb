'use strict';
/**
 * The enumerator's events. Always its schedule; with an existing bucket (param bucketExists
 * 'true') also the framework's S3 event, which wires the notification through a custom
 * resource. A bucket this stack creates (DataBucket in serverless.yml) carries the
 * notification itself, hardened and without the custom resource's extra function and role.
 */
module.exports.enumerator = async ({ resolveVariable }) => {
  const [rate, bucket, exists, prefix] = await Promise.all([
    resolveVariable('param:schedule'),
    resolveVariable('param:bucket'),
    resolveVariable('param:bucketExists'),
    resolveVariable('file(./serverless/iam.js):notificationPrefix'),
  ]);
  const events = [{ schedule: { rate } }];
  if (String(exists) === 'true') events.push({ s3: { bucket, event: 's3:ObjectCreated:*', rules: [{ prefix }], existing: true } });
  return events;
};
