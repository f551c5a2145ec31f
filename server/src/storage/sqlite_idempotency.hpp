#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/sqlite.hpp"

namespace parley::storage {

// Idempotency keys on the storage thread's connection, inside its group commit: a key stored
// with a send is found by a resend queued right behind it, and a resend after a restart, for
// as long as the window lasts.
class SqliteIdempotency {
  public:
    SqliteIdempotency(sqlite3* db, std::chrono::milliseconds window);

    struct First {
        std::int64_t seq = 0;
        std::int64_t ts = 0;
    };
    // The first send under `key` in `scope` (a channel, or a dm's recipient) within the window.
    std::optional<First> find(const std::string& scope, const std::string& key,
                              std::int64_t now_ms);
    void remember(const std::string& scope, const std::string& key, First first);
    // Forgets the keys older than the window.
    void prune(std::int64_t now_ms);

  private:
    std::chrono::milliseconds window_;
    Statement find_, remember_, prune_;
};

}  // namespace parley::storage
