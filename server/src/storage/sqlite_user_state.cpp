#include "storage/sqlite_user_state.hpp"

#include <algorithm>
#include <limits>

namespace parley::storage {

namespace {

// The count of rows a query finds, stopping at the cap: ?N in `sql` is bound by the caller.
int capped_count(Statement& query) {
    int count = query.step() ? static_cast<int>(query.integer(0)) : 0;
    query.reset();
    return std::min(count, model::max_unread_count);
}

std::vector<model::ChannelMark> read_channels(Database& db, const std::string& user,
                                              const std::string& identity) {
    std::vector<model::ChannelMark> channels;
    each_row(db,
             "SELECT k.channel, k.read_seq, COALESCE(c.last_seq, 0) FROM user_channels k "
             "LEFT JOIN channels c ON c.name = k.channel WHERE k.user = ?1 ORDER BY k.position",
             {user}, [&](const Statement& row) {
                 channels.push_back({row.text(0), row.integer(2), row.integer(1)});
             });
    Statement unread(db.handle(),
                     "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE channel = ?1 AND seq > ?2 "
                     "AND author <> ?3 AND deleted = 0 LIMIT 999)");
    Statement mentions(db.handle(),
                       "SELECT COUNT(*) FROM (SELECT 1 FROM mentions m JOIN messages g "
                       "ON g.channel = m.channel AND g.seq = m.seq WHERE m.user = ?1 "
                       "AND m.channel = ?2 AND m.seq > ?3 AND g.author <> ?4 AND g.deleted = 0 "
                       "LIMIT 999)");
    for (auto& c : channels) {
        if (c.read_seq >= c.last_seq) continue;
        unread.bind(1, c.channel).bind(2, c.read_seq).bind(3, identity);
        c.unread = capped_count(unread);
        if (c.unread == 0) continue;
        mentions.bind(1, user).bind(2, c.channel).bind(3, c.read_seq).bind(4, identity);
        c.mentions = capped_count(mentions);
    }
    return channels;
}

std::vector<model::ConversationMark> read_conversations(Database& db, const std::string& identity,
                                                        int max_conversations) {
    std::vector<model::ConversationMark> conversations;
    std::vector<std::pair<std::string, std::string>> keys;  // (pair, peer)
    each_row(db,
             "SELECT peer, peer_nick, pair, last_seq, read_seq, last_ts FROM conversations "
             "WHERE owner = ?1 ORDER BY last_ts DESC LIMIT ?2",
             {identity, std::to_string(max_conversations)}, [&](const Statement& row) {
                 conversations.push_back(
                     {row.text(1), row.integer(3), row.integer(4), 0, row.integer(5)});
                 keys.emplace_back(row.text(2), row.text(0));
             });
    Statement unread(db.handle(),
                     "SELECT COUNT(*) FROM (SELECT 1 FROM dms WHERE pair = ?1 AND seq > ?2 "
                     "AND sender_identity = ?3 AND sender_identity <> ?4 LIMIT 999)");
    for (std::size_t i = 0; i < conversations.size(); ++i) {
        auto& c = conversations[i];
        if (c.read_seq >= c.last_seq) continue;
        unread.bind(1, keys[i].first).bind(2, c.read_seq).bind(3, keys[i].second).bind(4, identity);
        c.unread = capped_count(unread);
    }
    return conversations;
}

// The asker's newest conversation with a nick: its pair, the peer's identity and nick, its last
// seq and the asker's marker.
struct Found {
    std::string pair, peer, peer_nick;
    std::int64_t last_seq = 0, read_seq = 0;
};

std::optional<Found> find_conversation(Database& db, const std::string& identity,
                                       const std::string& with_key) {
    std::optional<Found> found;
    each_row(
        db,
        "SELECT pair, peer, peer_nick, last_seq, read_seq FROM conversations "
        "WHERE owner = ?1 AND peer_key = ?2 ORDER BY last_ts DESC LIMIT 1",
        {identity, with_key}, [&](const Statement& row) {
            found = Found{row.text(0), row.text(1), row.text(2), row.integer(3), row.integer(4)};
        });
    return found;
}

// The user's record makes the nick a persistent user (a dm to it waits while it is offline). It
// is written on the first login and when the nick's case changed (`seen` is when it was last
// written), not on every login: an everyday login then only reads, and waits neither for the
// write lock the messages' group commits hold nor for an fsync of its own, which made the
// slowest welcomes several times slower (docs/benchmarks.md, issue 14).
Expected<void> remember(Database& db, const std::string& user, const std::string& nick) {
    bool known = false;
    try {
        each_row(db, "SELECT 1 FROM users WHERE key = ?1 AND nick = ?2", {user, nick},
                 [&](const Statement&) { known = true; });
    } catch (const StorageError& e) {
        return Failure{e.what()};
    }
    if (known) return {};
    return in_transaction(db, [&] {
        exec(db,
             "INSERT INTO users(key, nick, seen) VALUES(?1, ?2, ?3) "
             "ON CONFLICT(key) DO UPDATE SET nick = excluded.nick, seen = excluded.seen",
             {user, nick, std::to_string(model::now_millis())});
    });
}

Marked judge(std::int64_t seq, std::int64_t read_seq, std::int64_t last_seq) {
    if (seq > last_seq) return Marked::beyond_end;
    return seq > read_seq ? Marked::moved : Marked::unchanged;
}

}  // namespace

SqliteUserState::SqliteUserState(const DatabaseFile& file, std::size_t queue_limit)
    : worker_(file, queue_limit) {}

SqliteUserState::~SqliteUserState() {
    stop();
}

void SqliteUserState::stop() {
    worker_.stop();
}

bool SqliteUserState::load(std::string user, std::string identity, std::string nick,
                           int max_conversations,
                           std::function<void(Expected<model::UserSnapshot>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        model::UserSnapshot snapshot;
        auto read = remember(db, user, nick);
        // One read transaction: the figures all come from one moment of the database.
        if (read)
            read = in_snapshot(db, [&] {
                snapshot.channels = read_channels(db, user, identity);
                snapshot.conversations = read_conversations(db, identity, max_conversations);
            });
        if (!read) return run_callback(done, Expected<model::UserSnapshot>(read.error()));
        run_callback(done, Expected<model::UserSnapshot>(std::move(snapshot)));
    });
}

bool SqliteUserState::keep_channel(std::string user, std::string channel, std::size_t max_channels,
                                   std::function<void(Expected<Kept>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        Kept kept = Kept::kept;
        // A login re-joins every kept channel: those are answered by a read, which never waits
        // for the messages' commits (this thread is the only writer of the list, so the answer
        // holds until it writes).
        bool listed = false;
        try {
            each_row(db, "SELECT 1 FROM user_channels WHERE user = ?1 AND channel = ?2",
                     {user, channel}, [&](const Statement&) { listed = true; });
        } catch (const StorageError& e) {
            return run_callback(done, Expected<Kept>(Failure{e.what()}));
        }
        if (listed) return run_callback(done, Expected<Kept>(kept));
        auto written = in_transaction(db, [&] {
            bool already = false;
            std::int64_t count = 0, position = 0;
            each_row(db,
                     "SELECT COUNT(*), COALESCE(MAX(position), 0), "
                     "COALESCE(SUM(channel = ?2), 0) FROM user_channels WHERE user = ?1",
                     {user, channel}, [&](const Statement& row) {
                         count = row.integer(0);
                         position = row.integer(1);
                         already = row.integer(2) > 0;
                     });
            if (already) return;
            if (static_cast<std::size_t>(count) >= max_channels) {
                kept = Kept::too_many;
                return;
            }
            exec(db,
                 "INSERT INTO user_channels(user, channel, read_seq, position) "
                 "VALUES(?1, ?2, (SELECT COALESCE(MAX(last_seq), 0) FROM channels "
                 "WHERE name = ?2), ?3)",
                 {user, channel, std::to_string(position + 1)});
        });
        if (!written) return run_callback(done, Expected<Kept>(written.error()));
        run_callback(done, Expected<Kept>(kept));
    });
}

bool SqliteUserState::drop_channel(std::string user, std::string channel,
                                   std::function<void(Expected<void>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        run_callback(done, in_transaction(db, [&] {
                         exec(db, "DELETE FROM user_channels WHERE user = ?1 AND channel = ?2",
                              {user, channel});
                     }));
    });
}

bool SqliteUserState::mark_channel(std::string user, std::string channel, std::int64_t seq,
                                   std::function<void(Expected<Marked>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        Marked marked = Marked::not_kept;
        auto written = in_transaction(db, [&] {
            each_row(db,
                     "SELECT k.read_seq, COALESCE(c.last_seq, 0) FROM user_channels k "
                     "LEFT JOIN channels c ON c.name = k.channel "
                     "WHERE k.user = ?1 AND k.channel = ?2",
                     {user, channel}, [&](const Statement& row) {
                         marked = judge(seq, row.integer(0), row.integer(1));
                     });
            if (marked == Marked::moved)
                exec(db, "UPDATE user_channels SET read_seq = ?3 WHERE user = ?1 AND channel = ?2",
                     {user, channel, std::to_string(seq)});
        });
        if (!written) return run_callback(done, Expected<Marked>(written.error()));
        run_callback(done, Expected<Marked>(marked));
    });
}

bool SqliteUserState::mark_conversation(std::string, std::string identity, std::string with_key,
                                        std::int64_t seq,
                                        std::function<void(Expected<ConversationMarked>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        ConversationMarked result{Marked::not_kept, {}};
        auto written = in_transaction(db, [&] {
            auto found = find_conversation(db, identity, with_key);
            if (!found) return;
            result = {judge(seq, found->read_seq, found->last_seq), found->peer_nick};
            if (result.marked == Marked::moved)
                exec(db, "UPDATE conversations SET read_seq = ?3 WHERE owner = ?1 AND peer = ?2",
                     {identity, found->peer, std::to_string(seq)});
        });
        if (!written) return run_callback(done, Expected<ConversationMarked>(written.error()));
        run_callback(done, Expected<ConversationMarked>(std::move(result)));
    });
}

bool SqliteUserState::conversation(std::string identity, std::string with_key,
                                   std::optional<std::int64_t> before,
                                   std::optional<std::int64_t> since, int limit,
                                   std::function<void(Expected<ConversationPage>)> done) {
    return worker_.submit([=, done = std::move(done)](Database& db) {
        ConversationPage page;
        try {
            auto found = find_conversation(db, identity, with_key);
            if (found) {
                // Newest first, one more than asked when reading after `since`, to tell a gap.
                auto sql = since ? "SELECT sender, recipient, body, ts, seq FROM dms "
                                   "WHERE pair = ?1 AND seq > ?2 ORDER BY seq DESC LIMIT ?3"
                                 : "SELECT sender, recipient, body, ts, seq FROM dms "
                                   "WHERE pair = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
                auto position =
                    since ? *since : before.value_or(std::numeric_limits<std::int64_t>::max());
                each_row(db, sql,
                         {found->pair, std::to_string(position),
                          std::to_string(limit + (since ? 1 : 0))},
                         [&](const Statement& row) {
                             page.messages.push_back({row.text(0), row.text(1), row.text(2),
                                                      row.integer(3), row.integer(4)});
                         });
                if (since && page.messages.size() > static_cast<std::size_t>(limit)) {
                    page.messages.pop_back();
                    page.gap = true;
                }
                std::reverse(page.messages.begin(), page.messages.end());
                // Messages pruned by age leave a hole before the oldest one kept.
                if (since && found->last_seq > *since &&
                    (page.messages.empty() || page.messages.front().seq > *since + 1))
                    page.gap = true;
            }
        } catch (const StorageError& e) {
            return run_callback(done, Expected<ConversationPage>(Failure{e.what()}));
        }
        run_callback(done, Expected<ConversationPage>(std::move(page)));
    });
}

}  // namespace parley::storage
