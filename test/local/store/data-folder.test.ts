import { describe, expect, it } from 'vitest';
import { DataFolder } from '../../../local/store/data-folder.js';
import { tempDataDir } from '../helpers.js';

describe('DataFolder', () => {
  const settings = (folder: DataFolder) => {
    const db = folder.database('probe');
    try {
      return { ...db.prepare('PRAGMA journal_mode').get(), ...db.prepare('PRAGMA synchronous').get() };
    } finally {
      db.close();
    }
  };

  it("opens a kept folder's databases in WAL mode, synced at checkpoints (synchronous=NORMAL)", () => {
    expect(settings(new DataFolder(tempDataDir()))).toEqual({ journal_mode: 'wal', synchronous: 1 });
  });

  it("opens a disposable folder's databases in WAL mode without syncs (synchronous=OFF)", () => {
    expect(settings(new DataFolder(tempDataDir(), 'disposable'))).toEqual({ journal_mode: 'wal', synchronous: 0 });
  });
});
