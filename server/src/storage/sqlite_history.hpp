#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>

#include "metrics/metrics.hpp"
#include "storage/history.hpp"
#include "storage/sqlite.hpp"
#include "storage/sqlite_reads.hpp"

namespace parley::storage {

struct SqliteOptions {
    std::string path;                 // a file, or ":memory:"
    bool fsync_each_commit = true;    // false: WAL with synchronous=NORMAL
    std::size_t queue_limit = 65536;  // for the writer's queue, and again for the readers'
    std::size_t max_batch = 4096;     // operations in one group commit at most
    std::size_t max_per_channel = 10'000;
    std::chrono::milliseconds max_age{0};
    // Threads (and connections) reading channel history (--history-readers).
    std::size_t read_threads = 1;
    // How long an idempotency key is remembered (--idempotency-window).
    std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
    // The webhook URLs (--webhook): an event marked to_webhooks is queued for each in its commit.
    std::vector<std::string> webhook_endpoints = {};
};

// History in SQLite (WAL mode), written by one storage thread that commits queued appends in
// groups: one fsync covers every message that arrived while the previous commit ran. Channel
// reads run on a SqliteReadPool of their own. The database file is this process's alone while
// it runs (see DatabaseFile).
class SqliteHistory final : public History {
  public:
    // Opens (creating the file and its folder), migrates and loads every channel's last seq.
    // Throws StorageError with a one-line reason when the database cannot be used.
    SqliteHistory(SqliteOptions options, metrics::Metrics& metrics);
    ~SqliteHistory() override;

    bool append(model::ChatMessage message, std::function<void(AppendResult)> done) override;
    bool change(model::ChatMessage event, bool may_delete_any,
                std::function<void(AppendResult)> done) override;
    bool append_dm(model::DirectMessage message, std::function<void(DmAppendResult)> done) override;
    bool recent(std::string channel, int limit, std::function<void(Page)> done) override;
    bool since(std::string channel, std::int64_t since, int cap,
               std::function<void(Page)> done) override;
    bool before(std::string channel, std::optional<std::int64_t> before, int limit,
                std::function<void(Page)> done) override;
    bool recent_dms(std::string nick, std::string identity, int limit,
                    std::function<void(std::vector<model::DirectMessage>)> done) override;
    bool knows_channel(const std::string& channel) const override;
    void stop() override;

    // The database file, for other connections of this process (the directory's).
    const DatabaseFile& file() const { return file_; }

  private:
    // A message, or a change to one (message.type).
    struct AppendOp {
        model::ChatMessage message;
        std::function<void(AppendResult)> done;
        bool may_delete_any = false;
        Refusal refused = Refusal::none;  // set by the writer
    };
    struct DmAppendOp {
        model::DirectMessage message;
        std::function<void(DmAppendResult)> done;
        bool repeated = false;  // set by the writer: its idempotency key was used already
        bool waiting = false;   // set by the writer: kept for a persistent user who is away
    };
    // Read by the writer, in order with the appends: the hub needs a user's `welcome.dms` to
    // hold exactly the dms whose callbacks ran before it (the others reach the user live), and
    // dms carry no seq that would let it sort out a read from a snapshot.
    struct DmReadOp {
        std::string identity;
        int limit = 0;
        std::function<void(std::vector<model::DirectMessage>)> done;
    };
    using Op = std::variant<AppendOp, DmAppendOp, DmReadOp>;

    struct Statements;

    bool enqueue(Op op);
    void run();
    void process(std::deque<Op>& batch);
    bool commit_appends(std::deque<Op>& batch);
    void read_dms(DmReadOp& read);
    void prune_if_due();
    void prune_by_age(std::int64_t cutoff);  // throws StorageError
    void open_and_migrate();

    SqliteOptions options_;
    metrics::Metrics& metrics_;
    DatabaseFile file_;
    // Destroyed in reverse: the readers close first, so the writer's connection is the last and
    // its close checkpoints the WAL into the database.
    std::unique_ptr<Database> db_;
    std::unique_ptr<Statements> statements_;
    std::unique_ptr<SqliteReadPool> reads_;

    mutable std::mutex seq_mutex_;  // guards last_seq_ for knows_channel from io threads
    std::unordered_map<std::string, std::int64_t> last_seq_;

    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<Op> queue_;
    bool stopping_ = false;
    std::thread worker_;

    std::unordered_map<std::string, std::int64_t> touched_since_prune_;
    std::chrono::steady_clock::time_point last_prune_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_age_prune_ = std::chrono::steady_clock::now();
};

}  // namespace parley::storage
