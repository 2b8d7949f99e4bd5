import { describe, expect, it } from 'vitest';
import { foldJob, foldJobEvents, type JobEvent } from '../../../lambdas/pipeline/fold.js';

const job = { jobId: 'JOB-1', title: 'Teapot' };
const HISTORY: JobEvent[] = [
  { detailType: 'JobRequested', detail: { ...job, brief: 'the pour, the lid' } },
  { detailType: 'ScriptWritten', detail: { ...job, scriptKey: 'jobs/JOB-1/script.md', scenes: 2 } },
  { detailType: 'StoryboardDrawn', detail: { ...job, storyboardKey: 'jobs/JOB-1/storyboard.json', panels: 2 } },
  { detailType: 'FramesInferred', detail: { ...job, framesKey: 'jobs/JOB-1/frames/', frames: 48 } },
  { detailType: 'Rendered', detail: { ...job, videoKey: 'jobs/JOB-1/video.mp4', durationSeconds: 8 } },
  { detailType: 'ApprovalRequested', detail: { ...job, videoKey: 'jobs/JOB-1/video.mp4' } },
  { detailType: 'JobApproved', detail: { jobId: 'JOB-1', approvedBy: 'editor' } },
  { detailType: 'Published', detail: { ...job, url: 'https://videos.example.com/JOB-1' } },
];

/** Every order of `items` (8! = 40,320 for the full history: cheap enough). */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (const [i, item] of items.entries()) {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [item, ...rest];
  }
}

describe('foldJob', () => {
  it('folds a job’s history, in order, into its published view', () => {
    expect(foldJobEvents(HISTORY)).toEqual({
      jobId: 'JOB-1',
      title: 'Teapot',
      brief: 'the pour, the lid',
      status: 'published',
      version: 8,
      revision: 8,
      events: HISTORY.map((e) => e.detailType),
      script: { scriptKey: 'jobs/JOB-1/script.md', scenes: 2 },
      storyboard: { storyboardKey: 'jobs/JOB-1/storyboard.json', panels: 2 },
      frames: { framesKey: 'jobs/JOB-1/frames/', frames: 48 },
      video: { videoKey: 'jobs/JOB-1/video.mp4', durationSeconds: 8 },
      approval: { approvedBy: 'editor' },
      url: 'https://videos.example.com/JOB-1',
    });
  });

  it('says where a job stands after each event', () => {
    const statuses = HISTORY.map((_, i) => foldJobEvents(HISTORY.slice(0, i + 1))?.status);
    expect(statuses).toEqual([
      'requested',
      'scripted',
      'storyboarded',
      'frames-inferred',
      'rendered',
      'awaiting-approval',
      'approved',
      'published',
    ]);
  });

  it('folds the same events in any order to the same view', () => {
    const expected = foldJobEvents(HISTORY);
    let orders = 0;
    for (const order of permutations(HISTORY)) {
      expect(foldJobEvents(order)).toEqual(expected);
      orders++;
    }
    expect(orders).toBe(40_320);
  });

  it('ignores a duplicate event, leaving the view as it was', () => {
    const view = foldJobEvents(HISTORY.slice(0, 3));
    const again = foldJob(view, HISTORY[1] as JobEvent);
    expect(again).toEqual({ outcome: 'ignored', reason: 'duplicate', view });
  });

  it('ignores an event of another job', () => {
    const view = foldJobEvents(HISTORY.slice(0, 1));
    expect(foldJob(view, { detailType: 'ScriptWritten', detail: { jobId: 'JOB-2', title: 'x', scriptKey: 'k', scenes: 1 } })).toMatchObject(
      {
        outcome: 'ignored',
        reason: 'other-job',
      },
    );
  });

  it('says so when a job was both approved and rejected, in either order', () => {
    const rejected: JobEvent = { detailType: 'JobRejected', detail: { jobId: 'JOB-1', reason: 'wrong teapot' } };
    const approved = HISTORY[6] as JobEvent;
    const upToApproval = HISTORY.slice(0, 6);
    expect(foldJobEvents([...upToApproval, rejected])?.status).toBe('rejected');
    expect(foldJobEvents([...upToApproval, approved, rejected])?.status).toBe('decision-conflict');
    expect(foldJobEvents([...upToApproval, rejected, approved])).toEqual(foldJobEvents([...upToApproval, approved, rejected]));
  });

  it('does not change the view it is given', () => {
    const view = foldJobEvents(HISTORY.slice(0, 2));
    const copy = structuredClone(view);
    foldJob(view, HISTORY[2] as JobEvent);
    expect(view).toEqual(copy);
  });

  it('fails if the event is not a job event', () => {
    expect(() => foldJob(undefined, { detailType: 'TicketCreated', detail: job } as unknown as JobEvent)).toThrow(
      /not a job event: "TicketCreated"/,
    );
  });
});
