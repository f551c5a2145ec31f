#include "storage/sqlite.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace parley::storage {
namespace {

using namespace std::chrono_literals;

// Connections of this process wait for each other only for moments. In WAL mode they hardly ever
// do; a memdb database has no WAL, so its reads and its writer's commit exclude each other, each
// for well under a millisecond or two. SQLite's busy_timeout would sleep a whole millisecond
// first; this polls faster, and gives up after about 5 s (the operation then fails).
int wait_briefly(void*, int attempts) {
    constexpr int fast_attempts = 100, max_attempts = 5000;
    if (attempts >= max_attempts) return 0;
    std::this_thread::sleep_for(attempts < fast_attempts ? 20us : 1ms);
    return 1;
}

[[noreturn]] void raise(sqlite3* db, std::string_view what) {
    throw StorageError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement_, nullptr) != SQLITE_OK)
        raise(db, "cannot prepare statement");
}

Statement::~Statement() {
    sqlite3_finalize(statement_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) raise(db_, "cannot bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK)
        raise(db_, "cannot bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(statement_);
    raise(db_, "statement failed");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(statement_, column);
}

std::string Statement::text(int column) const {
    auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return bytes ? std::string(bytes,
                               static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                 : std::string();
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

DatabaseFile DatabaseFile::locate(const std::string& path) {
    if (path != ":memory:") return {path, "unix-excl", path};
    // memdb shares a database among the connections that open the same name starting with '/'.
    static std::atomic<unsigned> next{0};
    return {"/parley-memory-" + std::to_string(next++), "memdb", path};
}

bool DatabaseFile::in_memory() const {
    return std::string_view(vfs) == "memdb";
}

Database::Database(const DatabaseFile& file) : path_(file.path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(file.name.c_str(), &db_, flags, file.vfs) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw StorageError("cannot open " + path_ + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    if (file.in_memory()) {
        // memdb stops at 1 GiB by default; ":memory:" had no limit but the machine's memory.
        sqlite3_int64 limit = std::int64_t{1} << 50;
        sqlite3_file_control(db_, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    }
}

Database::~Database() {
    sqlite3_close(db_);
}

bool Database::held_by_another_process() {
    int rc = sqlite3_exec(db_, "SELECT COUNT(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    return (rc & 0xff) == SQLITE_BUSY;
}

void Database::wait_for_locks() {
    sqlite3_busy_handler(db_, wait_briefly, nullptr);
}

void Database::exec(std::string_view sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw StorageError(path_ + ": " + message);
    }
}

}  // namespace parley::storage
