#pragma once

#include "storage/sqlite_worker.hpp"
#include "storage/user_state.hpp"

namespace parley::storage {

// Persistent users' state in the history's SQLite file (tables users, user_channels,
// conversations and mentions; schema 6), on a SqliteWorker of its own. The counts read the
// history's tables: a `welcome` for a user in 100 channels is one job on this thread, a few
// index reads per channel, each stopping at the cap.
class SqliteUserState final : public UserState {
  public:
    // `file` is the history's, already migrated. Throws StorageError.
    SqliteUserState(const DatabaseFile& file, std::size_t queue_limit);
    ~SqliteUserState() override;

    bool load(std::string user, std::string identity, std::string nick, int max_conversations,
              std::function<void(Expected<model::UserSnapshot>)> done) override;
    bool keep_channel(std::string user, std::string channel, std::size_t max_channels,
                      std::function<void(Expected<Kept>)> done) override;
    bool drop_channel(std::string user, std::string channel,
                      std::function<void(Expected<void>)> done) override;
    bool mark_channel(std::string user, std::string channel, std::int64_t seq,
                      std::function<void(Expected<Marked>)> done) override;
    bool mark_conversation(std::string user, std::string identity, std::string with_key,
                           std::int64_t seq,
                           std::function<void(Expected<ConversationMarked>)> done) override;
    bool conversation(std::string identity, std::string with_key,
                      std::optional<std::int64_t> before, std::optional<std::int64_t> since,
                      int limit, std::function<void(Expected<ConversationPage>)> done) override;
    void stop() override;

  private:
    SqliteWorker worker_;
};

}  // namespace parley::storage
