#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "storage/history.hpp"
#include "storage/sqlite.hpp"

namespace parley::storage {

// Which messages a `since` read returns: those with after < seq <= head (at most `cap`), and
// whether the client misses some (trimmed by retention, over the cap, or from data this server
// lost). `oldest` is the channel's oldest retained seq, or head + 1 when it has none.
struct SinceRange {
    std::int64_t after = 0;
    bool gap = false;
};
SinceRange since_range(std::int64_t since, int cap, std::int64_t head, std::int64_t oldest);

enum class ReadKind { recent, since, before };

struct ReadRequest {
    ReadKind kind = ReadKind::recent;
    std::string channel;
    std::int64_t position = 0;  // since / before (0: none)
    int limit = 0;
    std::function<void(Page)> done;
};

// Channel history reads, on connections and threads of their own. WAL gives each read a
// committed snapshot while the writer goes on committing, so a read never waits behind a group
// commit and a commit never waits behind reads. Each page is read in one transaction: its
// head_seq and channel_exists describe the same snapshot as its messages. Callbacks run on the
// pool's threads, each read's on its own: unordered with each other and with the writer's.
class SqliteReadPool {
  public:
    // Opens one connection per thread; throws StorageError.
    SqliteReadPool(const DatabaseFile& file, std::size_t threads, std::size_t queue_limit,
                   metrics::Metrics& metrics);
    ~SqliteReadPool();
    SqliteReadPool(const SqliteReadPool&) = delete;
    SqliteReadPool& operator=(const SqliteReadPool&) = delete;

    // False when the queue is full or the pool is stopping: the caller answers `busy`.
    bool submit(ReadRequest request);
    // Runs every read already queued, then joins the threads. Idempotent.
    void stop();

  private:
    struct Reader;

    void run(Reader& reader);

    std::size_t queue_limit_;
    metrics::Metrics& metrics_;
    std::vector<std::unique_ptr<Reader>> readers_;

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<ReadRequest> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace parley::storage
