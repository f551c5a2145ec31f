#include "storage/sqlite_worker.hpp"

#include <spdlog/spdlog.h>

namespace parley::storage {

SqliteWorker::SqliteWorker(const DatabaseFile& file, std::size_t queue_limit)
    : queue_limit_(queue_limit), db_(std::make_unique<Database>(file)) {
    db_->wait_for_locks();
    thread_ = std::thread([this] { run(); });
}

SqliteWorker::~SqliteWorker() {
    stop();
}

bool SqliteWorker::submit(std::function<void(Database&)> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= queue_limit_) return false;
        queue_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
}

void SqliteWorker::run() {
    for (;;) {
        std::function<void(Database&)> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job(*db_);
    }
}

void SqliteWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
}

namespace {

// `work` between `begin` and COMMIT; rolled back, and its error returned, when a statement fails.
Expected<void> within(Database& db, const char* begin, const std::function<void()>& work) {
    try {
        db.exec(begin);
        work();
        db.exec("COMMIT");
        return {};
    } catch (const StorageError& e) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        return Failure{e.what()};
    }
}

}  // namespace

Expected<void> in_transaction(Database& db, const std::function<void()>& work) {
    auto done = within(db, "BEGIN IMMEDIATE", work);
    if (!done) spdlog::error("storage: write failed: {}", done.error().message);
    return done;
}

Expected<void> in_snapshot(Database& db, const std::function<void()>& work) {
    return within(db, "BEGIN", work);
}

}  // namespace parley::storage
