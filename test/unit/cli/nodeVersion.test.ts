import { quietNodeVersionWarning } from '../../../lib/util/nodeVersion';

describe('quietNodeVersionWarning', () => {
  it('turns the AWS SDK Node-version warning off below Node 22 only, and never over the user', () => {
    const old: NodeJS.ProcessEnv = {};
    quietNodeVersionWarning('20.19.0', old);
    expect(old.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
    const current: NodeJS.ProcessEnv = {};
    quietNodeVersionWarning('22.1.0', current);
    expect(current).toEqual({});
    const chosen: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' };
    quietNodeVersionWarning('20.0.0', chosen);
    expect(chosen.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('false');
  });

  it('names the variable the installed SDK reads', () => {
    const source = require('node:fs').readFileSync(require.resolve('@aws-sdk/core/client'), 'utf8') as string;
    expect(source).toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
  });
});
