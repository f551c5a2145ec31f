#include "storage/sqlite_schema.hpp"

#include <spdlog/spdlog.h>

namespace parley::storage {

namespace {

// Each step takes a database at schema version N-1 to N. Never edit a released step: add one.
constexpr std::string_view migrations[] = {
    // 1: channels with their last seq, channel messages, direct messages.
    R"sql(
    CREATE TABLE channels(name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE messages(
        channel TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL,
        body TEXT NOT NULL, ts INTEGER NOT NULL,
        PRIMARY KEY(channel, seq)) WITHOUT ROWID;
    CREATE TABLE dms(
        id INTEGER PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT NULL,
        sender_key TEXT NOT NULL, recipient_key TEXT NOT NULL,
        body TEXT NOT NULL, ts INTEGER NOT NULL);
    CREATE INDEX dms_by_sender ON dms(sender_key, id);
    CREATE INDEX dms_by_recipient ON dms(recipient_key, id);
    )sql",
    // 2: direct messages belong to identities, not to nicks (model::DirectMessage). Those stored
    // before have none, and are no longer replayed to anyone.
    R"sql(
    ALTER TABLE dms ADD COLUMN sender_identity TEXT;
    ALTER TABLE dms ADD COLUMN recipient_identity TEXT;
    DROP INDEX dms_by_sender;
    DROP INDEX dms_by_recipient;
    CREATE INDEX dms_by_sender_identity ON dms(sender_identity, id);
    CREATE INDEX dms_by_recipient_identity ON dms(recipient_identity, id);
    )sql",
    // 3: accounts, the key tokens are signed with, and channels' authority: who owns a channel,
    // whether it is private, its topic, and the people with a standing in it (a role, an
    // invitation, a ban, a mute).
    R"sql(
    CREATE TABLE accounts(
        key TEXT PRIMARY KEY, nick TEXT NOT NULL, password_hash TEXT NOT NULL,
        created INTEGER NOT NULL, tokens_after INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
    CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE channel_authority(
        name TEXT PRIMARY KEY, registered INTEGER NOT NULL, owner TEXT NOT NULL,
        private INTEGER NOT NULL, topic TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE channel_people(
        channel TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY(channel, key, kind)) WITHOUT ROWID;
    )sql",
    // 4: a message's lifecycle. Each message keeps its current state in its row (so a history
    // page stays one range read), its author's identity (who may edit it: messages from before
    // have none, and only moderators may delete them) and what it replies to; the changes are
    // events of their own (edited, deleted, reaction) under the channel's seqs, for `since`.
    R"sql(
    ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN edited_ts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '';
    CREATE TABLE message_changes(
        channel TEXT NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL,
        sender TEXT NOT NULL, target INTEGER NOT NULL, body TEXT NOT NULL,
        emoji TEXT NOT NULL, given INTEGER NOT NULL, ts INTEGER NOT NULL,
        PRIMARY KEY(channel, seq)) WITHOUT ROWID;
    CREATE INDEX message_changes_by_target ON message_changes(channel, target);
    )sql",
    // 5: integrations. Messages posted through the HTTP API are marked as a bot's; idempotency
    // keys remember the seq a key's first send got, for a window; every stored event for the
    // webhooks waits in an outbox, once per endpoint, until that endpoint has it.
    R"sql(
    ALTER TABLE messages ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE idempotency(
        scope TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
        PRIMARY KEY(scope, key)) WITHOUT ROWID;
    CREATE INDEX idempotency_by_ts ON idempotency(ts);
    CREATE TABLE webhook_events(
        id INTEGER PRIMARY KEY, channel TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
        body TEXT NOT NULL, created INTEGER NOT NULL);
    CREATE TABLE webhook_pending(
        endpoint TEXT NOT NULL, event INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(endpoint, event)) WITHOUT ROWID;
    )sql",
    // 6: a user's chat follows them. Direct messages are numbered per pair of identities (`pair`,
    // the two sorted); each side of a conversation has a row with its last seq and the owner's
    // read marker. Persistent users are remembered (a dm to one waits while it is offline), with
    // the channels they keep and their markers there; mentions are noted as messages are stored,
    // so counting them never reads texts.
    R"sql(
    ALTER TABLE dms ADD COLUMN pair TEXT NOT NULL DEFAULT '';
    ALTER TABLE dms ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX dms_by_pair ON dms(pair, seq);
    CREATE TABLE conversations(
        owner TEXT NOT NULL, peer TEXT NOT NULL, peer_key TEXT NOT NULL, peer_nick TEXT NOT NULL,
        pair TEXT NOT NULL, last_seq INTEGER NOT NULL, read_seq INTEGER NOT NULL DEFAULT 0,
        last_ts INTEGER NOT NULL, PRIMARY KEY(owner, peer)) WITHOUT ROWID;
    CREATE INDEX conversations_by_time ON conversations(owner, last_ts);
    CREATE TABLE users(key TEXT PRIMARY KEY, nick TEXT NOT NULL, seen INTEGER NOT NULL)
        WITHOUT ROWID;
    CREATE TABLE user_channels(
        user TEXT NOT NULL, channel TEXT NOT NULL, read_seq INTEGER NOT NULL,
        position INTEGER NOT NULL, PRIMARY KEY(user, channel)) WITHOUT ROWID;
    CREATE TABLE mentions(
        user TEXT NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY(user, channel, seq)) WITHOUT ROWID;
    CREATE INDEX mentions_by_channel ON mentions(channel, seq);
    )sql",
};
static_assert(std::size(migrations) == schema_version);

}  // namespace

void migrate(Database& db, const std::string& path) {
    try {
        db.exec("BEGIN IMMEDIATE");
        Statement tables(db.handle(),
                         "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                         "name NOT IN ('schema_version')");
        tables.step();
        auto other_tables = tables.integer(0);
        tables.reset();
        db.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
        Statement read_version(db.handle(), "SELECT MAX(version) FROM schema_version");
        read_version.step();
        bool versioned = !read_version.is_null(0);
        auto version = versioned ? read_version.integer(0) : 0;
        read_version.reset();
        if (!versioned && other_tables > 0)
            throw StorageError(path + " is not a Parley database (it has tables but no version)");
        if (version > schema_version)
            throw StorageError(path + " was written by a newer Parley (schema " +
                               std::to_string(version) + "; this build knows up to " +
                               std::to_string(schema_version) + "); refusing to touch it");
        for (auto step = version + 1; step <= schema_version; ++step) {
            db.exec(migrations[step - 1]);
            spdlog::info("storage: migrated {} to schema {}", path, step);
        }
        if (version < schema_version) {
            db.exec("DELETE FROM schema_version");
            // Built in steps: g++ 12 warns (wrongly, -Warray-bounds) on the one-expression form.
            std::string record = "INSERT INTO schema_version(version) VALUES(";
            record += std::to_string(schema_version);
            record += ")";
            db.exec(record);
        }
        db.exec("COMMIT");
    } catch (const StorageError& e) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw StorageError(std::string("cannot use ") + path + ": " + e.what());
    }
}

}  // namespace parley::storage
