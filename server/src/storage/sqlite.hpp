#pragma once

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace parley::storage {

struct StorageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A prepared statement: bind, step, read columns, reset. Owned by one thread.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    // True while a row is available; throws StorageError on failure.
    bool step();
    void run();  // step to completion, then reset
    void reset();

    std::int64_t integer(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

// Where every connection to one database goes. A file is opened through SQLite's "unix-excl"
// VFS: the first access takes a lock that keeps every other process out for as long as this one
// has the file open, while this process's connections share it; and the WAL index lives in this
// process's heap instead of a mapping of the `-shm` file, which another process could truncate
// under it (SIGBUS) or use to corrupt it. ":memory:" is a "memdb" database under a name private
// to this process, which several connections can open (a plain ":memory:" is one connection's).
struct DatabaseFile {
    std::string name;  // what sqlite3_open_v2 is given
    const char* vfs;
    std::string path;  // as the user gave it, for messages

    static DatabaseFile locate(const std::string& path);
    bool in_memory() const;
};

// One connection, opened with an error that names the file when it cannot be used.
class Database {
  public:
    explicit Database(const DatabaseFile& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    // Reads the schema, which makes unix-excl take its lock (kept until the last connection of
    // this process closes): true when another process holds it.
    bool held_by_another_process();
    // From now on a lock held by another connection of this process is waited for, briefly,
    // instead of failing at once (see sqlite.cpp).
    void wait_for_locks();
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

// Runs a storage callback; one that throws is logged and does not stop the storage thread.
template <class F, class... Args>
void run_callback(const F& done, Args&&... args) {
    try {
        done(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        spdlog::error("storage callback failed: {}", e.what());
    }
}

}  // namespace parley::storage
