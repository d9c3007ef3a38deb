/** The Node major version the project supports (Lambda runs nodejs22.x); older ones still work for now. */
export const SUPPORTED_NODE_MAJOR = 22;

/**
 * The AWS SDK warns, in 8 lines on stderr, that its releases after January 2027 need Node 22,
 * once per process — so on every AWS command. The README says Node 22 is the supported
 * runtime; repeating it on every command is noise, so on older Node the CLI turns it off
 * (the variable the installed SDK reads), unless the user set it.
 */
export function quietNodeVersionWarning(version = process.versions.node, env: NodeJS.ProcessEnv = process.env): void {
  if (Number(version.split('.')[0]) >= SUPPORTED_NODE_MAJOR) return;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
