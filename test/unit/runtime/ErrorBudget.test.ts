import fc from 'fast-check';
import { ConfigError, ErrorBudgetExceededError } from '../../../lib/errors';
import { ErrorBudget, parseErrorBudget } from '../../../lib/runtime/ErrorBudget';
import type { BadRecord } from '../../../lib/source-support/SourceRecord';

const failures = (n: number): BadRecord[] => Array.from({ length: n }, (_, i) => ({ id: `f@${i}`, splitId: 's', reason: `transform failed: bug ${i}`, raw: {} }));

describe('ErrorBudget', () => {
  it('trips exactly when at least afterRecords were seen and more than the share failed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 2000 }), (batches, maxFailureShare, afterRecords) => {
        const budget = new ErrorBudget({ maxFailureShare, afterRecords });
        let seen = 0;
        let failed = 0;
        for (const [records, share] of batches) {
          const bad = Math.floor(records * share);
          seen += records;
          failed += bad;
          const shouldTrip = seen >= afterRecords && failed > seen * maxFailureShare;
          let tripped = false;
          try {
            budget.check(records, failures(bad));
          } catch (e) {
            expect(e).toBeInstanceOf(ErrorBudgetExceededError);
            tripped = true;
          }
          expect(tripped).toBe(shouldTrip);
          if (tripped) return;
        }
      }),
    );
  });

  it('never trips when turned off', () => {
    const budget = new ErrorBudget(false);
    expect(() => budget.check(100_000, failures(100_000))).not.toThrow();
  });

  it('names the field of a bad budget', () => {
    expect(() => parseErrorBudget({ maxFailureShare: 2 })).toThrow(ConfigError);
    expect(() => parseErrorBudget({ maxFailureShare: 2 })).toThrow('errorBudget.maxFailureShare must be between 0 and 1');
    expect(() => parseErrorBudget({ afterRecords: 0 })).toThrow('errorBudget.afterRecords must be a whole number ≥ 1');
  });
});
