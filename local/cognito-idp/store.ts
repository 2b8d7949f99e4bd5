import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../store/json-table.js';
import { embeddedTags, TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';
import type { ClientRecord, GroupRecord, KeyRecord, PoolRecord, RefreshRecord, SessionRecord, UserRecord } from './records.js';

/** Cognito's state in `cognito-idp.sqlite`: pools, clients, groups, users, refresh tokens, sessions and signing keys. */
export class CognitoStore {
  readonly pools: JsonTable<PoolRecord>;
  readonly clients: JsonTable<ClientRecord>;
  /** By `<poolId>/<group name>`. */
  readonly groups: JsonTable<GroupRecord>;
  /** By `<poolId>/<username>`. */
  readonly users: JsonTable<UserRecord>;
  readonly refreshTokens: JsonTable<RefreshRecord>;
  readonly sessions: JsonTable<SessionRecord>;
  /** The `origin_jti`s of revoked tokens (by RevokeToken or a global sign-out): their access tokens no longer call the API. */
  readonly revokedOrigins: JsonTable<{ readonly revoked: number }>;
  /** By pool id. */
  readonly keys: JsonTable<KeyRecord>;
  /** User pools' tags, by the pool's ARN (TagResource and ListTagsForResource name a pool by it). */
  readonly tags: TagStore;

  constructor(readonly db: DatabaseSync) {
    this.pools = new JsonTable(db, 'pools', 'id');
    this.clients = new JsonTable(db, 'clients', 'id');
    this.groups = new JsonTable(db, 'groups', 'id');
    this.users = new JsonTable(db, 'users', 'id');
    this.refreshTokens = new JsonTable(db, 'refresh_tokens', 'id');
    this.sessions = new JsonTable(db, 'sessions', 'id');
    this.revokedOrigins = new JsonTable(db, 'revoked_origins', 'id');
    this.keys = new JsonTable(db, 'keys', 'id');
    // Before the TagStore, each pool's record held its `UserPoolTags` map.
    this.tags = new TagStore(
      db,
      embeddedTags('pools', 'id', 'UserPoolTags', (pool) => String(pool.Arn)),
    );
  }

  transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }
}
