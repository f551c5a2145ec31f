#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/expected.hpp"
#include "storage/sqlite.hpp"

namespace parley::storage {

// A connection of its own to the history's database file and the one thread that uses it, for
// small, rare work that must not wait in line with the messages' group commits (nor make them
// wait): accounts, channel authority, users' read state. Jobs come from a bounded queue and run
// in the order they were submitted.
class SqliteWorker {
  public:
    // `file` is the history's, already migrated. Throws StorageError.
    SqliteWorker(const DatabaseFile& file, std::size_t queue_limit);
    ~SqliteWorker();
    SqliteWorker(const SqliteWorker&) = delete;
    SqliteWorker& operator=(const SqliteWorker&) = delete;

    // False at once when the queue is full or the worker has stopped.
    bool submit(std::function<void(Database&)> job);
    // Runs what is queued, then stops. Idempotent.
    void stop();

  private:
    void run();

    std::size_t queue_limit_;
    std::unique_ptr<Database> db_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void(Database&)>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

// One statement, prepared for this call: a worker's work is rare, so no statement cache.
template <class F>
void each_row(Database& db, const char* sql, const std::vector<std::string>& bind, F&& row) {
    Statement statement(db.handle(), sql);
    for (std::size_t i = 0; i < bind.size(); ++i)
        statement.bind(static_cast<int>(i + 1), std::string_view(bind[i]));
    while (statement.step()) row(statement);
}

inline void exec(Database& db, const char* sql, const std::vector<std::string>& bind) {
    each_row(db, sql, bind, [](const Statement&) {});
}

// Within one transaction: its changes all happen, or none (and the failure is returned).
Expected<void> in_transaction(Database& db, const std::function<void()>& work);
// Within one read transaction: one snapshot, which in WAL mode never waits for the writer.
Expected<void> in_snapshot(Database& db, const std::function<void()>& work);

}  // namespace parley::storage
