// Quiet the Lambda-side JSON logs and EMF metrics in tests (set POWERTOOLS_LOG_LEVEL=DEBUG to see them).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
