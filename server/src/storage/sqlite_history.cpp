#include "storage/sqlite_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "storage/sqlite.hpp"
#include "storage/sqlite_changes.hpp"
#include "storage/sqlite_conversations.hpp"
#include "storage/sqlite_idempotency.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_webhook_outbox.hpp"

namespace parley::storage {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

}  // namespace

struct SqliteHistory::Statements {
    Statements(sqlite3* db, std::chrono::milliseconds idempotency_window,
               std::vector<std::string> webhook_endpoints)
        : begin(db, "BEGIN"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          insert_message(db,
                         "INSERT INTO messages(channel, seq, sender, body, ts, author, reply_to, "
                         "bot) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
          save_last_seq(db,
                        "INSERT INTO channels(name, last_seq) VALUES(?1, ?2) "
                        "ON CONFLICT(name) DO UPDATE SET last_seq = excluded.last_seq"),
          recent_dms(db,
                     "SELECT sender, recipient, body, ts, id, seq FROM dms "
                     "WHERE sender_identity = ?1 UNION ALL "
                     "SELECT sender, recipient, body, ts, id, seq FROM dms "
                     "WHERE recipient_identity = ?1 AND sender_identity <> ?1 "
                     "ORDER BY 5 DESC LIMIT ?2"),
          prune_count(db, "DELETE FROM messages WHERE channel = ?1 AND seq <= ?2"),
          prune_age(db,
                    "DELETE FROM messages WHERE channel = ?1 AND seq < "
                    "(SELECT COALESCE(MIN(seq), ?3) FROM messages "
                    " WHERE channel = ?1 AND ts >= ?2)"),
          prune_changes_age(db,
                            "DELETE FROM message_changes WHERE channel = ?1 AND seq < "
                            "(SELECT COALESCE(MIN(seq), ?3) FROM messages "
                            " WHERE channel = ?1 AND ts >= ?2)"),
          prune_dms_age(db, "DELETE FROM dms WHERE ts < ?1"),
          changes(db),
          conversations(db),
          mentions(db),
          keys(db, idempotency_window),
          webhooks(db, std::move(webhook_endpoints)) {}

    Statement begin, commit, rollback;
    Statement insert_message, save_last_seq;
    Statement recent_dms;
    Statement prune_count, prune_age, prune_changes_age, prune_dms_age;
    SqliteChanges changes;
    SqliteConversations conversations;
    SqliteMentions mentions;
    SqliteIdempotency keys;
    SqliteOutboxWriter webhooks;
};

SqliteHistory::SqliteHistory(SqliteOptions options, metrics::Metrics& metrics)
    : options_(std::move(options)), metrics_(metrics), file_(DatabaseFile::locate(options_.path)) {
    open_and_migrate();
    statements_ = std::make_unique<Statements>(db_->handle(), options_.idempotency_window,
                                               options_.webhook_endpoints);
    reads_ = std::make_unique<SqliteReadPool>(file_, options_.read_threads, options_.queue_limit,
                                              metrics_);
    worker_ = std::thread([this] { run(); });
}

SqliteHistory::~SqliteHistory() {
    stop();
}

void SqliteHistory::open_and_migrate() {
    namespace fs = std::filesystem;
    const auto& path = options_.path;
    if (!file_.in_memory()) {
        auto folder = fs::path(path).parent_path();
        std::error_code ec;
        if (!folder.empty()) fs::create_directories(folder, ec);
        if (ec) throw StorageError("cannot create " + folder.string() + ": " + ec.message());
    }
    db_ = std::make_unique<Database>(file_);
    // Take unix-excl's lock now, so that a database another process holds is refused at start-up
    // rather than failing every write later.
    if (db_->held_by_another_process())
        throw StorageError(path + " is in use by another parley process");
    try {
        db_->exec("PRAGMA journal_mode=WAL");
        db_->exec(options_.fsync_each_commit ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL");
        db_->exec("PRAGMA foreign_keys=ON");
        // A deleted message's text is erased, not just unlinked: SQLite would otherwise leave
        // it in the page's free space until the space was reused.
        db_->exec("PRAGMA secure_delete=ON");
    } catch (const StorageError& e) {
        throw StorageError(std::string("cannot use ") + path + ": " + e.what());
    }
    migrate(*db_, path);

    Statement channels(db_->handle(), "SELECT name, last_seq FROM channels");
    while (channels.step()) last_seq_[channels.text(0)] = channels.integer(1);
    // Only now: the lock check above must fail at once, not after waiting.
    db_->wait_for_locks();
}

bool SqliteHistory::enqueue(Op op) {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_ || queue_.size() >= options_.queue_limit) return false;
        queue_.push_back(std::move(op));
        metrics_.storage_queue_depth.store(static_cast<std::int64_t>(queue_.size()), relaxed);
    }
    queue_ready_.notify_one();
    return true;
}

bool SqliteHistory::append(model::ChatMessage message, std::function<void(AppendResult)> done) {
    message.type = model::EventType::message;
    return enqueue(AppendOp{std::move(message), std::move(done)});
}

bool SqliteHistory::change(model::ChatMessage event, bool may_delete_any,
                           std::function<void(AppendResult)> done) {
    return enqueue(AppendOp{std::move(event), std::move(done), may_delete_any});
}

bool SqliteHistory::append_dm(model::DirectMessage message,
                              std::function<void(DmAppendResult)> done) {
    return enqueue(DmAppendOp{std::move(message), std::move(done)});
}

bool SqliteHistory::recent(std::string channel, int limit, std::function<void(Page)> done) {
    return reads_->submit({ReadKind::recent, std::move(channel), 0, limit, std::move(done)});
}

bool SqliteHistory::since(std::string channel, std::int64_t since, int cap,
                          std::function<void(Page)> done) {
    return reads_->submit({ReadKind::since, std::move(channel), since, cap, std::move(done)});
}

bool SqliteHistory::before(std::string channel, std::optional<std::int64_t> before, int limit,
                           std::function<void(Page)> done) {
    return reads_->submit(
        {ReadKind::before, std::move(channel), before.value_or(0), limit, std::move(done)});
}

bool SqliteHistory::recent_dms(std::string, std::string identity, int limit,
                               std::function<void(std::vector<model::DirectMessage>)> done) {
    return enqueue(DmReadOp{std::move(identity), limit, std::move(done)});
}

bool SqliteHistory::knows_channel(const std::string& channel) const {
    std::lock_guard lock(seq_mutex_);
    return last_seq_.count(channel) > 0;
}

void SqliteHistory::stop() {
    if (reads_) reads_->stop();
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void SqliteHistory::run() {
    for (;;) {
        std::deque<Op> batch;
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait_for(lock, std::chrono::seconds(1),
                                  [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) break;
            auto take = std::min(queue_.size(), options_.max_batch);
            std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take),
                      std::back_inserter(batch));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
            metrics_.storage_queue_depth.store(static_cast<std::int64_t>(queue_.size()), relaxed);
        }
        if (!batch.empty()) process(batch);
        prune_if_due();
    }
}

bool SqliteHistory::commit_appends(std::deque<Op>& batch) {
    auto& s = *statements_;
    std::unordered_map<std::string, std::int64_t> seq_before;  // to undo a failed commit
    bool any_append = std::any_of(batch.begin(), batch.end(), [](const Op& op) {
        return std::holds_alternative<AppendOp>(op) || std::holds_alternative<DmAppendOp>(op);
    });
    try {
        if (any_append) s.begin.run();
        for (auto& op : batch) {
            if (auto* append = std::get_if<AppendOp>(&op)) {
                auto& message = append->message;
                auto next_seq = [&] {
                    std::lock_guard lock(seq_mutex_);
                    auto& last = last_seq_[message.channel];
                    seq_before.try_emplace(message.channel, last);
                    return ++last;
                };
                if (message.type != model::EventType::message) {
                    append->refused = s.changes.apply(message, append->may_delete_any, next_seq);
                    continue;
                }
                const auto& key = message.idempotency;
                if (auto first = key.empty() ? std::nullopt
                                             : s.keys.find(message.channel, key, message.ts)) {
                    message.seq = first->seq;
                    message.ts = first->ts;
                    append->refused = Refusal::repeated;
                    continue;
                }
                if (message.reply_to && !s.changes.is_live(message.channel, message.reply_to)) {
                    append->refused = Refusal::no_such_message;
                    continue;
                }
                message.seq = next_seq();
                s.insert_message.bind(1, message.channel)
                    .bind(2, message.seq)
                    .bind(3, message.from)
                    .bind(4, message.text)
                    .bind(5, message.ts)
                    .bind(6, message.author)
                    .bind(7, message.reply_to)
                    .bind(8, std::int64_t{message.bot})
                    .run();
                s.mentions.record(message);
                if (!key.empty()) s.keys.remember(message.channel, key, {message.seq, message.ts});
            } else if (auto* dm = std::get_if<DmAppendOp>(&op)) {
                auto& m = dm->message;
                // A dm's key is kept under its recipient: a name no channel can have.
                auto scope = "\x1f" + model::nick_key(m.to);
                if (auto first = m.idempotency.empty() ? std::nullopt
                                                       : s.keys.find(scope, m.idempotency, m.ts)) {
                    m.seq = first->seq;
                    m.ts = first->ts;
                    dm->repeated = true;
                    continue;
                }
                if (m.recipient_away) {
                    // Connected nowhere: kept for a persistent user, refused for anyone else.
                    auto user = s.conversations.persistent_user(model::nick_key(m.to));
                    if (!user) continue;  // answered no_such_user, nothing stored
                    m.to = user->nick;
                    m.to_identity = user->identity;
                    m.recipient_away = false;
                }
                s.conversations.store(m);
                if (!m.idempotency.empty()) s.keys.remember(scope, m.idempotency, {m.seq, m.ts});
            }
        }
        // The webhooks' outbox, in the same commit as the events it holds (refused: nothing).
        for (auto& op : batch)
            if (auto* append = std::get_if<AppendOp>(&op);
                append && append->refused == Refusal::none && append->message.to_webhooks)
                s.webhooks.add(append->message);
        if (!any_append) return true;
        for (const auto& [channel, unused] : seq_before) {
            std::int64_t last;
            {
                std::lock_guard lock(seq_mutex_);
                last = last_seq_[channel];
            }
            s.save_last_seq.bind(1, channel).bind(2, last).run();
            touched_since_prune_[channel] = last;
        }
        s.commit.run();
        return true;
    } catch (const StorageError& e) {
        spdlog::error("storage: commit failed, {} operations answered unavailable: {}",
                      batch.size(), e.what());
        try {
            s.rollback.run();
        } catch (const StorageError&) {
        }
        std::lock_guard lock(seq_mutex_);
        for (const auto& [channel, seq] : seq_before) {
            if (seq == 0)
                last_seq_.erase(channel);
            else
                last_seq_[channel] = seq;
        }
        return false;
    }
}

void SqliteHistory::process(std::deque<Op>& batch) {
    auto started = std::chrono::steady_clock::now();
    bool committed = commit_appends(batch);
    std::uint64_t stored = 0;
    for (auto& op : batch) {
        if (auto* append = std::get_if<AppendOp>(&op)) {
            bool kept = committed && append->refused == Refusal::none;
            stored += kept && append->message.type == model::EventType::message;
            run_callback(append->done, AppendResult{kept, std::move(append->message),
                                                    committed ? append->refused : Refusal::none});
        } else if (auto* dm = std::get_if<DmAppendOp>(&op)) {
            bool away = dm->message.recipient_away && !dm->repeated;
            run_callback(dm->done,
                         DmAppendResult{committed && !dm->repeated && !away, std::move(dm->message),
                                        committed && away, committed && dm->repeated});
        } else if (auto* dms = std::get_if<DmReadOp>(&op)) {
            read_dms(*dms);
        }
    }
    if (stored > 0) {
        metrics_.messages_stored_total.fetch_add(stored, relaxed);
        metrics_.storage_commit_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
}

void SqliteHistory::read_dms(DmReadOp& read) {
    std::vector<model::DirectMessage> found;
    auto& query = statements_->recent_dms;
    try {
        query.bind(1, read.identity).bind(2, read.limit);
        while (query.step())
            found.push_back(
                {query.text(0), query.text(1), query.text(2), query.integer(3), query.integer(5)});
        query.reset();
    } catch (const StorageError& e) {
        query.reset();
        spdlog::error("storage: reading direct messages failed: {}", e.what());
    }
    std::reverse(found.begin(), found.end());
    run_callback(read.done, std::move(found));
}

void SqliteHistory::prune_if_due() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_prune_ < std::chrono::seconds(1)) return;
    last_prune_ = now;
    auto& s = *statements_;
    try {
        for (const auto& [channel, last] : touched_since_prune_) {
            auto cap = static_cast<std::int64_t>(options_.max_per_channel);
            if (last > cap) {
                s.prune_count.bind(1, channel).bind(2, last - cap).run();
                s.changes.prune_through(channel, last - cap);
                s.mentions.prune_through(channel, last - cap);
            }
        }
        touched_since_prune_.clear();
        if (now - last_age_prune_ >= std::chrono::seconds(30)) {
            last_age_prune_ = now;
            auto now_ms = model::now_millis();
            s.keys.prune(now_ms);
            if (options_.max_age.count() > 0) prune_by_age(now_ms - options_.max_age.count());
        }
    } catch (const StorageError& e) {
        spdlog::warn("storage: pruning old messages failed (will retry): {}", e.what());
    }
}

void SqliteHistory::prune_by_age(std::int64_t cutoff) {
    auto& s = *statements_;
    std::vector<std::pair<std::string, std::int64_t>> channels;
    {
        std::lock_guard lock(seq_mutex_);
        channels.assign(last_seq_.begin(), last_seq_.end());
    }
    for (const auto& [channel, last] : channels) {
        // Changes first: their cut-off is the oldest message kept.
        s.prune_changes_age.bind(1, channel).bind(2, cutoff).bind(3, last + 1).run();
        s.prune_age.bind(1, channel).bind(2, cutoff).bind(3, last + 1).run();
        s.mentions.prune_before_oldest(channel, last + 1);
    }
    s.prune_dms_age.bind(1, cutoff).run();
}

}  // namespace parley::storage
