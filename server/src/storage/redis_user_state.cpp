#include "storage/redis_user_state.hpp"

#include <algorithm>

#include "redis/bus_event.hpp"
#include "redis/keys.hpp"
#include "storage/redis_user_state_replies.hpp"
#include "storage/redis_user_state_scripts.hpp"

namespace parley::storage {

namespace scripts = user_state_scripts;

namespace {

using namespace user_state_replies;

// A conversation's stream entry: [id, [field, value, ...]].
model::DirectMessage dm_of(const redis::Value& entry) {
    model::DirectMessage dm;
    if (entry.elements.size() != 2) return dm;
    dm.seq = number(entry.elements[0]);
    const auto& fields = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const auto& name = fields[i].text;
        const auto& value = fields[i + 1];
        if (name == "f") dm.from = value.text;
        if (name == "to") dm.to = value.text;
        if (name == "t") dm.text = value.text;
        if (name == "ts") dm.ts = number(value);
        if (name == "fi") dm.from_identity = value.text;
    }
    return dm;
}

}  // namespace

RedisUserState::RedisUserState(std::shared_ptr<redis::Client> redis) : redis_(std::move(redis)) {
    if (redis::keys::clustered()) {
        preload_clustered();
        return;
    }
    for (const auto* script :
         {&scripts::load(), &scripts::keep(), &scripts::drop(), &scripts::mark_channel(),
          &scripts::mark_conversation(), &scripts::page()})
        redis_->preload(*script);
}

bool RedisUserState::load(std::string user, std::string identity, std::string nick,
                          int max_conversations,
                          std::function<void(Expected<model::UserSnapshot>)> done) {
    if (redis::keys::clustered())
        return load_clustered(std::move(user), std::move(identity), std::move(nick),
                              max_conversations, std::move(done));
    std::vector<std::string> keys{redis::keys::user(user), redis::keys::kept(user),
                                  redis::keys::marks(user), redis::keys::conversations(identity),
                                  redis::keys::conversation_order(identity)};
    std::vector<std::string> args{std::move(nick),
                                  identity,
                                  user,
                                  std::to_string(std::max(max_conversations, 0)),
                                  std::to_string(model::max_unread_count + 1),
                                  std::to_string(model::max_unread_count),
                                  redis::keys::seq(""),
                                  redis::keys::log(""),
                                  redis::keys::live(""),
                                  redis::keys::mentions(user, ""),
                                  redis::keys::conversation_seq_prefix(),
                                  redis::keys::conversation_prefix(),
                                  redis::keys::own(user, "")};
    return redis_->eval(scripts::load(), std::move(keys), std::move(args), [done](Reply reply) {
        if (!reply || reply->type != Type::array || reply->elements.size() != 2)
            return done(Expected<model::UserSnapshot>(unavailable(reply)));
        done(snapshot_of(*reply));
    });
}

bool RedisUserState::keep_channel(std::string user, std::string channel, std::size_t max_channels,
                                  std::function<void(Expected<Kept>)> done) {
    if (redis::keys::clustered())
        return keep_clustered(std::move(user), std::move(channel), max_channels, std::move(done));
    std::vector<std::string> keys{redis::keys::user(user), redis::keys::kept(user),
                                  redis::keys::marks(user), redis::keys::seq(channel)};
    return redis_->eval(scripts::keep(), std::move(keys),
                        {std::move(channel), std::to_string(max_channels)}, [done](Reply reply) {
                            if (!reply || reply->type != Type::integer)
                                return done(Expected<Kept>(unavailable(reply)));
                            done(reply->integer == 1 ? Kept::kept : Kept::too_many);
                        });
}

bool RedisUserState::drop_channel(std::string user, std::string channel,
                                  std::function<void(Expected<void>)> done) {
    if (redis::keys::clustered())
        return drop_clustered(std::move(user), std::move(channel), std::move(done));
    std::vector<std::string> keys{redis::keys::kept(user), redis::keys::marks(user),
                                  redis::keys::mentions(user, channel),
                                  redis::keys::own(user, channel)};
    return redis_->eval(scripts::drop(), std::move(keys), {std::move(channel)},
                        [done](Reply reply) {
                            if (!reply || reply->type != Type::integer)
                                return done(Expected<void>(unavailable(reply)));
                            done(Expected<void>());
                        });
}

bool RedisUserState::mark_channel(std::string user, std::string channel, std::int64_t seq,
                                  std::function<void(Expected<Marked>)> done) {
    if (redis::keys::clustered())
        return mark_clustered(std::move(user), std::move(channel), seq, std::move(done));
    auto [prefix, suffix] = redis::bus::read_event_parts({user, "", false, seq});
    std::vector<std::string> keys{redis::keys::marks(user), redis::keys::seq(channel),
                                  redis::keys::mentions(user, channel),
                                  redis::keys::own(user, channel)};
    std::vector<std::string> args{std::move(channel), std::to_string(seq),
                                  redis::keys::user_events(user), std::move(prefix),
                                  std::move(suffix)};
    return redis_->eval(scripts::mark_channel(), std::move(keys), std::move(args),
                        [done](Reply reply) {
                            if (!reply || reply->type != Type::string)
                                return done(Expected<Marked>(unavailable(reply)));
                            done(marked_of(reply->text));
                        });
}

bool RedisUserState::mark_conversation(std::string user, std::string identity, std::string with_key,
                                       std::int64_t seq,
                                       std::function<void(Expected<ConversationMarked>)> done) {
    auto events = redis::keys::user_events(user);
    auto [prefix, suffix] = redis::bus::read_event_parts({std::move(user), "", true, seq});
    std::vector<std::string> args{
        std::move(with_key), std::to_string(seq), redis::keys::conversation_seq_prefix(),
        std::move(events),   std::move(prefix),   std::move(suffix)};
    return redis_->eval(
        scripts::mark_conversation(), {redis::keys::conversations(identity)}, std::move(args),
        [done](Reply reply) {
            if (!reply || reply->type != Type::array || reply->elements.size() != 2)
                return done(Expected<ConversationMarked>(unavailable(reply)));
            done(ConversationMarked{marked_of(reply->elements[0].text), reply->elements[1].text});
        });
}

bool RedisUserState::conversation(std::string identity, std::string with_key,
                                  std::optional<std::int64_t> before,
                                  std::optional<std::int64_t> since, int limit,
                                  std::function<void(Expected<ConversationPage>)> done) {
    limit = std::max(limit, 1);
    const char* mode = since ? "since" : before ? "before" : "recent";
    auto position = since ? *since : before.value_or(0);
    std::vector<std::string> args{std::move(with_key),
                                  mode,
                                  std::to_string(position),
                                  std::to_string(limit),
                                  redis::keys::conversation_seq_prefix(),
                                  redis::keys::conversation_prefix()};
    bool is_since = since.has_value();
    auto read = [done, is_since, position](Reply reply) {
        if (!reply || reply->type != Type::array || reply->elements.size() != 2)
            return done(Expected<ConversationPage>(unavailable(reply)));
        ConversationPage page;
        auto last = number(reply->elements[0]);
        const auto& rows = reply->elements[1].elements;
        for (auto it = rows.rbegin(); it != rows.rend(); ++it) page.messages.push_back(dm_of(*it));
        // More than the cap after `since`, or messages after it no longer kept.
        if (is_since && last > position)
            page.gap = page.messages.empty() || page.messages.front().seq > position + 1;
        done(std::move(page));
    };
    return redis_->eval(scripts::page(), {redis::keys::conversations(identity)}, std::move(args),
                        std::move(read));
}

}  // namespace parley::storage
