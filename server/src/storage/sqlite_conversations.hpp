#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/message.hpp"
#include "storage/sqlite.hpp"

namespace parley::storage {

// Direct messages as conversations, on the storage thread's connection inside its group commit:
// each dm takes the next seq of its pair of identities, and both sides' rows (what `welcome`
// lists) move with it.
class SqliteConversations {
  public:
    explicit SqliteConversations(sqlite3* db);

    struct User {
        std::string nick;      // as registered or last seen
        std::string identity;  // model::account_identity(nick)
    };
    // The persistent user (an account, or a token user seen here) under a nick key, if any.
    std::optional<User> persistent_user(const std::string& key);
    // Numbers and stores the dm (sets message.seq).
    void store(model::DirectMessage& message);

  private:
    Statement find_user_, last_seq_, insert_, save_side_;
};

// Mentions of users, noted as messages are stored so that counting them reads no text.
class SqliteMentions {
  public:
    explicit SqliteMentions(sqlite3* db);
    void record(const model::ChatMessage& message);
    // Forgets those of messages at or before `seq` (history pruned them).
    void prune_through(const std::string& channel, std::int64_t seq);
    // Forgets those of messages older than the channel's oldest kept (`none`: it has none).
    void prune_before_oldest(const std::string& channel, std::int64_t none);

  private:
    Statement insert_, prune_, prune_old_;
};

// The key a pair of identities' conversation is kept under: the same whichever sends.
std::string conversation_pair(const std::string& a, const std::string& b);

}  // namespace parley::storage
