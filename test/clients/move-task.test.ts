import { describe, expect, it } from 'vitest';
import { moveTaskFailureCause, moveTaskProgress } from '../../clients/move-task.js';

describe('moveTaskProgress', () => {
  it('reads a running task as not ended, with how many it moved of how many', () => {
    expect(moveTaskProgress({ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 10 })).toEqual({
      status: 'RUNNING',
      moved: 3,
      toMove: 10,
      ended: false,
      failed: false,
      line: 'RUNNING: moved 3 of 10',
    });
  });

  it('reads a completed task as ended well, and a failed or cancelled one as ended without moving everything', () => {
    expect(moveTaskProgress({ Status: 'COMPLETED' })).toMatchObject({ ended: true, failed: false });
    expect(moveTaskProgress({ Status: 'FAILED' })).toMatchObject({ ended: true, failed: true });
    expect(moveTaskProgress({ Status: 'CANCELLED' })).toMatchObject({ ended: true, failed: true });
  });

  it('reads no task listed as UNKNOWN and not ended, never as a success', () => {
    expect(moveTaskProgress(undefined)).toMatchObject({ status: 'UNKNOWN', ended: false, failed: false, line: 'UNKNOWN: moved 0 of 0' });
  });
});

describe('moveTaskFailureCause', () => {
  it('says why SQS could not tell where a message came from, and nothing of a reason it has no cause for', () => {
    expect(moveTaskFailureCause('CouldNotDetermineMessageSource')).toMatch(/sent straight to the dead-letter queue/);
    expect(moveTaskFailureCause('AWS.SimpleQueueService.NonExistentQueue')).toBeUndefined();
    expect(moveTaskFailureCause(undefined)).toBeUndefined();
  });
});
