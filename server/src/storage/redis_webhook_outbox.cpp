#include "storage/redis_webhook_outbox.hpp"
#include "storage/event_type.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "protocol/events.hpp"
#include "redis/keys.hpp"

namespace parley::storage {

namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// KEYS: the lease. ARGV: this node, the lease's length in ms. 1: renewed, 2: taken, 0: another
// node holds it.
const redis::Script& lease_script() {
    static const redis::Script script(R"lua(
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
)lua");
    return script;
}

std::int64_t integer_of(const std::string& text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);  // stops at a '-'
    return value;
}

// Stream entries [[id, [field, value, ...]], ...] as events; entries trimmed away (no fields)
// are returned in `gone`.
std::vector<OutboxEvent> events_of(const redis::Value& entries, std::vector<std::string>& gone) {
    std::vector<OutboxEvent> events;
    for (const auto& entry : entries.elements) {
        if (entry.elements.size() != 2) continue;
        const auto& id = entry.elements[0].text;
        const auto& fields = entry.elements[1].elements;
        if (fields.empty()) {
            gone.push_back(id);
            continue;
        }
        OutboxEvent event{id, "", 0, "", "", integer_of(id)};  // an id starts with its ms
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            const auto& name = fields[i].text;
            const auto& value = fields[i + 1].text;
            if (name == "c") event.channel = value;
            if (name == "s") event.seq = integer_of(value);
            if (name == "y") event.type = value;
            if (name == "b") event.body = value;
        }
        events.push_back(std::move(event));
    }
    return events;
}

}  // namespace

const std::string_view webhook_outbox_lua = R"lua(
local function to_webhooks(seq)
  if #KEYS < 4 or KEYS[#KEYS] ~= 'parley:webhooks' then return end
  local n = #ARGV
  redis.call('XADD', KEYS[#KEYS], 'MAXLEN', '~', ARGV[n], '*', 'c', ARGV[n - 1], 's', seq,
             'y', ARGV[n - 2], 'b', ARGV[n - 4] .. seq .. ARGV[n - 3])
end
)lua";

void add_webhook_outbox_args(const model::ChatMessage& event, std::size_t max_pending,
                             std::vector<std::string>& keys, std::vector<std::string>& args) {
    if (!event.to_webhooks || max_pending == 0) return;
    // The body is the wire event, whose seq only the script knows: encoded around a stand-in.
    constexpr std::string_view stand_in = "\"seq\":987654321987654321";
    auto stored = event;
    stored.seq = 987654321987654321;
    auto body = protocol::encode_message(stored);
    auto at = body.find(stand_in);
    if (at == std::string::npos) return;
    keys.emplace_back(redis::keys::webhooks());
    args.push_back(body.substr(0, at + 6));  // up to and with "seq":
    args.push_back(body.substr(at + stand_in.size()));
    args.emplace_back(event_type_name(event.type));
    args.push_back(event.channel);
    args.push_back(std::to_string(max_pending));
}

RedisWebhookOutbox::RedisWebhookOutbox(std::shared_ptr<redis::Client> redis,
                                       std::vector<std::string> endpoints, std::string node_id,
                                       std::chrono::milliseconds lease, metrics::Metrics& metrics)
    : redis_(std::move(redis)), node_id_(std::move(node_id)), lease_(lease), metrics_(metrics) {
    redis_->preload(lease_script());
    for (auto& url : endpoints) endpoints_.push_back({std::move(url)});
}

void RedisWebhookOutbox::fetch(std::size_t endpoint, std::size_t max, Done done) {
    count_pending();
    bool ready;
    {
        std::lock_guard lock(mutex_);
        ready = endpoints_[endpoint].group_ready;
    }
    if (!ready) return ensure_group(endpoint, max, std::move(done));
    hold_lease(endpoint, max, std::move(done));
}

void RedisWebhookOutbox::ensure_group(std::size_t endpoint, std::size_t max, Done done) {
    std::string url;
    {
        std::lock_guard lock(mutex_);
        url = endpoints_[endpoint].url;
    }
    // A new group starts at the stream's beginning: events stored by any node before this one
    // made the group (its first fetch) are not lost. A URL added later gets the events still in
    // the stream, at most --webhook-max-pending.
    auto sent = redis_->command(
        {"XGROUP", "CREATE", redis::keys::webhooks(), url, "0", "MKSTREAM"},
        [this, endpoint, max, done](redis::Client::Reply reply) {
            bool ok = reply && (!reply->is_error() || reply->text.rfind("BUSYGROUP", 0) == 0);
            if (!ok) return done({});
            {
                std::lock_guard lock(mutex_);
                endpoints_[endpoint].group_ready = true;
            }
            hold_lease(endpoint, max, done);
        });
    if (!sent) done({});
}

void RedisWebhookOutbox::hold_lease(std::size_t endpoint, std::size_t max, Done done) {
    std::string url;
    bool fresh;
    {
        std::lock_guard lock(mutex_);
        auto& e = endpoints_[endpoint];
        fresh = e.holder && std::chrono::steady_clock::now() - e.renewed < lease_ / 3;
        url = e.url;
    }
    if (fresh) return read(endpoint, max, std::move(done));
    auto sent = redis_->eval(
        lease_script(), {redis::keys::webhook_lease(url)},
        {node_id_, std::to_string(lease_.count())},
        [this, endpoint, max, done](redis::Client::Reply reply) {
            auto answer = reply && reply->type == redis::Value::Type::integer ? reply->integer : 0;
            {
                std::lock_guard lock(mutex_);
                auto& e = endpoints_[endpoint];
                if (answer == 0 && e.holder)
                    spdlog::warn("webhooks: another node now delivers to {}", e.url);
                e.holder = answer != 0;
                if (answer != 0) e.renewed = std::chrono::steady_clock::now();
            }
            if (answer == 0) return done({});
            if (answer == 2) return claim(endpoint, "0-0", max, done);
            read(endpoint, max, done);
        });
    if (!sent) done({});
}

void RedisWebhookOutbox::claim(std::size_t endpoint, std::string from, std::size_t max, Done done) {
    std::string url;
    {
        std::lock_guard lock(mutex_);
        url = endpoints_[endpoint].url;
        endpoints_[endpoint].cursor = "0";
    }
    auto sent =
        redis_->command({"XAUTOCLAIM", redis::keys::webhooks(), url, node_id_, "0", from, "COUNT",
                         "1000", "JUSTID"},
                        [this, endpoint, max, done](redis::Client::Reply reply) {
                            if (reply && reply->type == redis::Value::Type::array &&
                                !reply->elements.empty() && reply->elements[0].text != "0-0")
                                return claim(endpoint, reply->elements[0].text, max, done);
                            read(endpoint, max, done);
                        });
    if (!sent) done({});
}

void RedisWebhookOutbox::read(std::size_t endpoint, std::size_t max, Done done) {
    std::string url, cursor;
    {
        std::lock_guard lock(mutex_);
        url = endpoints_[endpoint].url;
        cursor = endpoints_[endpoint].cursor;
    }
    auto sent = redis_->command(
        {"XREADGROUP", "GROUP", url, node_id_, "COUNT", std::to_string(max), "STREAMS",
         redis::keys::webhooks(), cursor},
        [this, endpoint, max, done, url, cursor](redis::Client::Reply reply) {
            if (!reply || reply->is_error()) {
                if (reply && reply->text.rfind("NOGROUP", 0) == 0) {
                    std::lock_guard lock(mutex_);
                    endpoints_[endpoint].group_ready = false;  // Redis lost it: made again
                }
                return done({});
            }
            std::vector<std::string> gone;
            std::vector<OutboxEvent> events;
            if (reply->type == redis::Value::Type::array && !reply->elements.empty() &&
                reply->elements[0].elements.size() == 2)
                events = events_of(reply->elements[0].elements[1], gone);
            for (const auto& id : gone) {
                redis_->command({"XACK", redis::keys::webhooks(), url, id}, [](auto) {});
                metrics_.webhook_dropped_total.fetch_add(1, relaxed);
            }
            if (cursor != ">") {
                // Our pending list, read through once; then new entries.
                bool drained = events.empty() && gone.empty();
                {
                    std::lock_guard lock(mutex_);
                    auto& e = endpoints_[endpoint];
                    if (drained)
                        e.cursor = ">";
                    else
                        e.cursor = !events.empty() ? events.back().id : gone.back();
                }
                if (drained) return read(endpoint, max, done);
            }
            done(std::move(events));
        });
    if (!sent) done({});
}

void RedisWebhookOutbox::ack(std::size_t endpoint, const OutboxEvent& event) {
    std::string url;
    {
        std::lock_guard lock(mutex_);
        url = endpoints_[endpoint].url;
    }
    redis_->command({"XACK", redis::keys::webhooks(), url, event.id}, [](auto) {});
}

void RedisWebhookOutbox::count_pending() {
    {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        if (now - last_count_ < std::chrono::seconds(1)) return;
        last_count_ = now;
    }
    // Per group: entries handed out and not acknowledged, plus those not handed out yet.
    redis_->command({"XINFO", "GROUPS", redis::keys::webhooks()},
                    [this](redis::Client::Reply reply) {
                        if (!reply || reply->type != redis::Value::Type::array) return;
                        std::int64_t pending = 0;
                        for (const auto& group : reply->elements) {
                            const auto& f = group.elements;
                            bool ours = false;
                            std::int64_t count = 0;
                            for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
                                if (f[i].text == "name") {
                                    std::lock_guard lock(mutex_);
                                    for (const auto& e : endpoints_)
                                        ours = ours || e.url == f[i + 1].text;
                                }
                                if (f[i].text == "pending" || f[i].text == "lag")
                                    count += f[i + 1].integer;
                            }
                            if (ours) pending += count;
                        }
                        metrics_.webhook_pending.store(pending, relaxed);
                    });
}

}  // namespace parley::storage
