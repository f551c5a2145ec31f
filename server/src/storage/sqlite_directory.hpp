#pragma once

#include <functional>

#include "storage/directory.hpp"
#include "storage/sqlite_worker.hpp"

namespace parley::storage {

// Accounts and channel authority in the same SQLite file as the history, on a connection and a
// thread of their own: they are small and rarely written, and must not wait in line with the
// messages' group commits (nor make them wait). A write takes SQLite's lock for a moment, between
// two of the history's commits. Callbacks run on its SqliteWorker's thread, in the order the
// calls were made.
class SqliteDirectory final : public Directory {
  public:
    // `file` is the history's, already migrated. Throws StorageError.
    SqliteDirectory(const DatabaseFile& file, std::size_t queue_limit);
    ~SqliteDirectory() override;

    bool find_account(std::string key,
                      std::function<void(Expected<std::optional<Account>>)> done) override;
    bool create_account(std::string key, std::string nick, std::string password_hash,
                        std::function<void(Expected<Created>)> done) override;
    bool set_password(std::string key, std::string password_hash, std::int64_t tokens_after,
                      std::function<void(Expected<void>)> done) override;
    bool load_channel(std::string name,
                      std::function<void(Expected<model::ChannelAuthority>)> done) override;
    bool create_channel(std::string name, std::string owner, bool is_private, std::string topic,
                        std::function<void(Expected<Created>)> done) override;
    bool change_channel(std::string name, model::AuthorityChange change,
                        std::function<void(Expected<void>)> done) override;
    Expected<std::string> signing_key() override;
    void stop() override;

  private:
    bool submit(std::function<void(Database&)> job);

    SqliteWorker worker_;
};

}  // namespace parley::storage
