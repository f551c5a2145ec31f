#include "storage/sqlite_reads.hpp"

#include <algorithm>

#include "storage/message_state.hpp"

namespace parley::storage {

SinceRange since_range(std::int64_t since, int cap, std::int64_t head, std::int64_t oldest) {
    // The client saw more than this server has: its seqs are from data lost since. It gets the
    // newest messages there are, and a gap.
    if (since > head) return {std::max<std::int64_t>(0, head - cap), true};
    SinceRange range{since, false};
    if (head - since > cap) range = {head - cap, true};
    if (since + 1 < oldest && since < head) range.gap = true;  // pruned before it could read them
    return range;
}

struct SqliteReadPool::Reader {
    explicit Reader(const DatabaseFile& file)
        : db(file),
          begin(db.handle(), "BEGIN"),
          commit(db.handle(), "COMMIT"),
          rollback(db.handle(), "ROLLBACK"),
          head(db.handle(), "SELECT last_seq FROM channels WHERE name = ?1"),
          // Columns as read_rows() takes them. A page is messages only, in their current state.
          newest(db.handle(),
                 "SELECT seq, 0, sender, body, ts, reply_to, edited_ts, deleted, reactions, 0, "
                 "'', 1 FROM messages "
                 "WHERE channel = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"),
          // A replay is every event: the messages and their changes, merged by seq.
          after(db.handle(),
                "SELECT seq, 0, sender, body, ts, reply_to, edited_ts, deleted, reactions, 0, "
                "'', 1 FROM messages WHERE channel = ?1 AND seq > ?2 AND seq <= ?3 "
                "UNION ALL "
                "SELECT seq, kind, sender, body, ts, 0, 0, 0, '', target, emoji, given "
                "FROM message_changes WHERE channel = ?1 AND seq > ?2 AND seq <= ?3 "
                "ORDER BY 1 LIMIT ?4"),
          oldest_seq(db.handle(),
                     "SELECT MIN(seq) FROM (SELECT MIN(seq) AS seq FROM messages "
                     "WHERE channel = ?1 UNION ALL SELECT MIN(seq) FROM message_changes "
                     "WHERE channel = ?1)") {
        db.wait_for_locks();
        db.exec("PRAGMA query_only=ON");  // the writer is the only connection that writes
    }

    // A whole page from one snapshot: BEGIN's transaction starts it at its first SELECT.
    Page read(const ReadRequest& read);

    Database db;
    Statement begin, commit, rollback;
    Statement head, newest, after, oldest_seq;
};

namespace {

// Columns: seq, type, sender, body, ts, reply_to, edited_ts, deleted, reactions, target, emoji,
// given.
void read_rows(Statement& query, const std::string& channel, std::vector<model::ChatMessage>& to) {
    while (query.step()) {
        model::ChatMessage event{channel, query.integer(0), query.text(2), query.text(3),
                                 query.integer(4)};
        auto type = query.integer(1);
        if (type < 0 || type > static_cast<std::int64_t>(model::EventType::reaction)) continue;
        event.type = static_cast<model::EventType>(type);
        event.reply_to = query.integer(5);
        event.edited_ts = query.integer(6);
        event.deleted = query.integer(7) != 0;
        if (event.deleted) event.text.clear();
        event.reactions = reactions_from_text(query.text(8));
        event.target = query.integer(9);
        event.emoji = query.text(10);
        event.on = query.integer(11) != 0;
        to.push_back(std::move(event));
    }
    query.reset();
}

}  // namespace

Page SqliteReadPool::Reader::read(const ReadRequest& read) {
    Page page;
    try {
        begin.run();
        head.bind(1, read.channel);
        page.channel_exists = head.step();
        page.head_seq = page.channel_exists ? head.integer(0) : 0;
        head.reset();
        auto last = page.head_seq;
        auto newest_before = [&](std::int64_t before) {
            newest.bind(1, read.channel).bind(2, before).bind(3, read.limit);
            read_rows(newest, read.channel, page.messages);
            std::reverse(page.messages.begin(), page.messages.end());
        };
        switch (read.kind) {
            case ReadKind::recent:
                newest_before(last + 1);
                break;
            case ReadKind::before:
                newest_before(read.position > 0 ? std::min(read.position, last + 1) : last + 1);
                break;
            case ReadKind::since: {
                oldest_seq.bind(1, read.channel);
                oldest_seq.step();
                auto oldest = oldest_seq.is_null(0) ? last + 1 : oldest_seq.integer(0);
                oldest_seq.reset();
                auto range = since_range(read.position, read.limit, last, oldest);
                page.gap = range.gap;
                after.bind(1, read.channel).bind(2, range.after).bind(3, last).bind(4, read.limit);
                read_rows(after, read.channel, page.messages);
                break;
            }
        }
        commit.run();
    } catch (const StorageError& e) {
        spdlog::error("storage: reading {} failed: {}", read.channel, e.what());
        for (auto* statement : {&head, &newest, &after, &oldest_seq}) statement->reset();
        try {
            rollback.run();
        } catch (const StorageError&) {
            // Nothing was open to roll back.
        }
        page = Page{{}, false, false};
    }
    return page;
}

SqliteReadPool::SqliteReadPool(const DatabaseFile& file, std::size_t threads,
                               std::size_t queue_limit, metrics::Metrics& metrics)
    : queue_limit_(queue_limit), metrics_(metrics) {
    for (std::size_t i = 0; i < threads; ++i) readers_.push_back(std::make_unique<Reader>(file));
    for (auto& reader : readers_) threads_.emplace_back([this, &r = *reader] { run(r); });
}

SqliteReadPool::~SqliteReadPool() {
    stop();
}

bool SqliteReadPool::submit(ReadRequest request) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= queue_limit_) return false;
        queue_.push_back(std::move(request));
        metrics_.storage_read_queue_depth.store(static_cast<std::int64_t>(queue_.size()),
                                                std::memory_order_relaxed);
    }
    ready_.notify_one();
    return true;
}

void SqliteReadPool::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
}

void SqliteReadPool::run(Reader& reader) {
    for (;;) {
        ReadRequest request;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and every accepted read has run
            request = std::move(queue_.front());
            queue_.pop_front();
            metrics_.storage_read_queue_depth.store(static_cast<std::int64_t>(queue_.size()),
                                                    std::memory_order_relaxed);
        }
        run_callback(request.done, reader.read(request));
    }
}

}  // namespace parley::storage
