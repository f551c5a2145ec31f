#include "storage/sqlite_conversations.hpp"

namespace parley::storage {

std::string conversation_pair(const std::string& a, const std::string& b) {
    // A unit separator cannot be in an identity.
    return a < b ? a + '\x1f' + b : b + '\x1f' + a;
}

SqliteConversations::SqliteConversations(sqlite3* db)
    : find_user_(db,
                 "SELECT nick FROM accounts WHERE key = ?1 "
                 "UNION ALL SELECT nick FROM users WHERE key = ?1 LIMIT 1"),
      last_seq_(db, "SELECT last_seq FROM conversations WHERE owner = ?1 AND peer = ?2"),
      insert_(db,
              "INSERT INTO dms(sender, recipient, sender_key, recipient_key, body, ts, "
              "sender_identity, recipient_identity, pair, seq) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
      save_side_(db,
                 "INSERT INTO conversations(owner, peer, peer_key, peer_nick, pair, last_seq, "
                 "last_ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(owner, peer) DO UPDATE "
                 "SET peer_nick = excluded.peer_nick, last_seq = excluded.last_seq, "
                 "last_ts = excluded.last_ts") {}

std::optional<SqliteConversations::User> SqliteConversations::persistent_user(
    const std::string& key) {
    std::optional<User> user;
    find_user_.bind(1, key);
    if (find_user_.step()) {
        auto nick = find_user_.text(0);
        user = User{nick, model::account_identity(nick)};
    }
    find_user_.reset();
    return user;
}

void SqliteConversations::store(model::DirectMessage& m) {
    auto pair = conversation_pair(m.from_identity, m.to_identity);
    last_seq_.bind(1, m.from_identity).bind(2, m.to_identity);
    std::int64_t last = last_seq_.step() ? last_seq_.integer(0) : 0;
    last_seq_.reset();
    m.seq = last + 1;
    insert_.bind(1, m.from)
        .bind(2, m.to)
        .bind(3, model::nick_key(m.from))
        .bind(4, model::nick_key(m.to))
        .bind(5, m.text)
        .bind(6, m.ts)
        .bind(7, m.from_identity)
        .bind(8, m.to_identity)
        .bind(9, pair)
        .bind(10, m.seq)
        .run();
    auto save = [&](const std::string& owner, const std::string& peer, const std::string& nick) {
        save_side_.bind(1, owner)
            .bind(2, peer)
            .bind(3, model::nick_key(nick))
            .bind(4, nick)
            .bind(5, pair)
            .bind(6, m.seq)
            .bind(7, m.ts)
            .run();
    };
    save(m.from_identity, m.to_identity, m.to);
    if (m.to_identity != m.from_identity) save(m.to_identity, m.from_identity, m.from);
}

SqliteMentions::SqliteMentions(sqlite3* db)
    : insert_(db, "INSERT OR IGNORE INTO mentions(user, channel, seq) VALUES(?1, ?2, ?3)"),
      prune_(db, "DELETE FROM mentions WHERE channel = ?1 AND seq <= ?2"),
      prune_old_(db,
                 "DELETE FROM mentions WHERE channel = ?1 AND seq < "
                 "(SELECT COALESCE(MIN(seq), ?2) FROM messages WHERE channel = ?1)") {}

void SqliteMentions::record(const model::ChatMessage& message) {
    for (const auto& key : model::mentioned_keys(message.text))
        insert_.bind(1, key).bind(2, message.channel).bind(3, message.seq).run();
}

void SqliteMentions::prune_through(const std::string& channel, std::int64_t seq) {
    prune_.bind(1, channel).bind(2, seq).run();
}

void SqliteMentions::prune_before_oldest(const std::string& channel, std::int64_t none) {
    prune_old_.bind(1, channel).bind(2, none).run();
}

}  // namespace parley::storage
