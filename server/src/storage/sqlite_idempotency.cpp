#include "storage/sqlite_idempotency.hpp"

namespace parley::storage {

SqliteIdempotency::SqliteIdempotency(sqlite3* db, std::chrono::milliseconds window)
    : window_(window),
      find_(db, "SELECT seq, ts FROM idempotency WHERE scope = ?1 AND key = ?2 AND ts >= ?3"),
      remember_(db,
                "INSERT OR REPLACE INTO idempotency(scope, key, seq, ts) VALUES(?1, ?2, ?3, ?4)"),
      prune_(db, "DELETE FROM idempotency WHERE ts < ?1") {}

std::optional<SqliteIdempotency::First> SqliteIdempotency::find(const std::string& scope,
                                                                const std::string& key,
                                                                std::int64_t now_ms) {
    find_.bind(1, scope).bind(2, key).bind(3, now_ms - window_.count());
    std::optional<First> first;
    if (find_.step()) first = First{find_.integer(0), find_.integer(1)};
    find_.reset();
    return first;
}

void SqliteIdempotency::remember(const std::string& scope, const std::string& key, First first) {
    remember_.bind(1, scope).bind(2, key).bind(3, first.seq).bind(4, first.ts).run();
}

void SqliteIdempotency::prune(std::int64_t now_ms) {
    prune_.bind(1, now_ms - window_.count()).run();
}

}  // namespace parley::storage
