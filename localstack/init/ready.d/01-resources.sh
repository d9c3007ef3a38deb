#!/usr/bin/env bash
# LocalStack init hook (runs once LocalStack is ready): the split table, the split queue with
# its DLQ, and a bucket — the same resources and settings as lib/aws/resources.ts
# (ensureResources, DEFAULT_QUEUE_SETTINGS) and the key layout of lib/aws/splitTable.ts.
# Idempotent: safe on a restarted container with persistence.
set -euo pipefail

TABLE="${ADF_SPLIT_TABLE:-adf-splits}"
QUEUE="${ADF_SPLIT_QUEUE_NAME:-adf-splits}"
DLQ="${ADF_DLQ_NAME:-adf-splits-dlq}"
BUCKET="${ADF_BUCKET:-adf-local}"
VISIBILITY_TIMEOUT=120      # seconds; above the reader Lambda's timeout
MAX_RECEIVE_COUNT=10        # backstop only: attempts are counted in DynamoDB
RETENTION=345600            # 4 days
DLQ_RETENTION=1209600       # 14 days

log() { echo "[adf-init] $*"; }

# --- split table: pk/sk, GSI byStatusLease (gsi1pk/gsi1sk, projection ALL), on demand, TTL on `ttl`
if awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  log "table $TABLE exists"
else
  awslocal dynamodb create-table \
    --table-name "$TABLE" \
    --billing-mode PAY_PER_REQUEST \
    --attribute-definitions \
      AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=S \
      AttributeName=gsi1pk,AttributeType=S AttributeName=gsi1sk,AttributeType=S \
    --key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE \
    --global-secondary-indexes \
      '[{"IndexName":"byStatusLease","KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"},{"AttributeName":"gsi1sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]' \
    >/dev/null
  awslocal dynamodb wait table-exists --table-name "$TABLE"
  log "table $TABLE created"
fi
ttl_status="$(awslocal dynamodb describe-time-to-live --table-name "$TABLE" --query 'TimeToLiveDescription.TimeToLiveStatus' --output text)"
if [ "$ttl_status" != "ENABLED" ] && [ "$ttl_status" != "ENABLING" ]; then
  awslocal dynamodb update-time-to-live --table-name "$TABLE" \
    --time-to-live-specification Enabled=true,AttributeName=ttl >/dev/null
  log "TTL enabled on $TABLE.ttl"
fi

# --- queues: the DLQ first, then the split queue redriving to it
# Attributes are set after create-queue, so a re-run with other settings updates the queue
# (create-queue with different attributes fails with QueueAlreadyExists).
dlq_url="$(awslocal sqs create-queue --queue-name "$DLQ" --query QueueUrl --output text)"
awslocal sqs set-queue-attributes --queue-url "$dlq_url" --attributes "MessageRetentionPeriod=$DLQ_RETENTION"
dlq_arn="$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)"
redrive="{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":\"$MAX_RECEIVE_COUNT\"}"
attributes="$(printf '{"VisibilityTimeout":"%s","MessageRetentionPeriod":"%s","RedrivePolicy":%s}' \
  "$VISIBILITY_TIMEOUT" "$RETENTION" "$(printf '%s' "$redrive" | sed 's/"/\\"/g; s/^/"/; s/$/"/')")"
queue_url="$(awslocal sqs create-queue --queue-name "$QUEUE" --query QueueUrl --output text)"
awslocal sqs set-queue-attributes --queue-url "$queue_url" --attributes "$attributes"
log "queue $queue_url (DLQ $dlq_url)"

# --- bucket
if awslocal s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  log "bucket $BUCKET exists"
else
  awslocal s3api create-bucket --bucket "$BUCKET" >/dev/null
  log "bucket $BUCKET created"
fi
