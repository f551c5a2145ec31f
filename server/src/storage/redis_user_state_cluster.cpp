// storage::RedisUserState on a Redis Cluster (redis/keys.hpp's cluster layout). A kept channel
// lives in two slots: the user's list and marker in {home}; the channel's head and what the
// append script notes for the user (the keeps flag it asks, the mentions and own seqs) in the
// channel's slot. No script may span both, so each call that needs both runs one script per
// slot, one after the other. The answers are those of the single Redis's scripts.
//
// Two rules make the steps safe:
// - The order. A client runs the commands it sends to one server in the order they were sent,
//   and answers them in that order. Every call below that writes in both slots takes the
//   channel's slot first and {home} second, so two such calls made one after the other (a
//   drop, then a keep of the same channel: part, then join) run their channel steps in that
//   order and their {home} steps in that order, and end as they would on one Redis.
// - What a step left alone means. Each comment below says what a crash (or Redis lost) between
//   two steps leaves, and why it is harmless or what repairs it.
#include <memory>

#include "redis/bus_event.hpp"
#include "redis/keys.hpp"
#include "storage/redis_user_state.hpp"
#include "storage/redis_user_state_replies.hpp"
#include "storage/redis_user_state_scripts.hpp"

namespace parley::storage {

namespace scripts = user_state_scripts::cluster;
using namespace user_state_replies;

namespace {

// A step after the first could not even be queued: the call answers as if Redis had failed.
Failure queue_full() {
    return Failure{"redis: too many commands waiting"};
}

// A load's counts, one per kept channel, sent together and answered in any order: the load
// answers once all are in, with the single layout's reply rebuilt, or with the first failure.
// The callbacks run one at a time on the client's executor, so nothing here is shared between
// threads.
struct Gathered {
    std::function<void(Expected<model::UserSnapshot>)> done;
    redis::Value reply;       // {channels, conversations}, as the single layout's load answers
    std::size_t waiting = 1;  // the counts still out, and one for the loop that sends them
    Expected<void> status;    // the first failure

    void fail(Failure failure) {
        if (status) status = std::move(failure);
    }
    void finish() {
        if (--waiting > 0) return;
        if (!status) return done(Expected<model::UserSnapshot>(status.error()));
        done(snapshot_of(reply));
    }
};

}  // namespace

void RedisUserState::preload_clustered() {
    for (const auto* script :
         {&scripts::load_home(), &scripts::channel_counts(), &scripts::keep_flag(),
          &scripts::keep_home(), &scripts::drop_channel_part(), &scripts::drop_home(),
          &scripts::mark_home(), &scripts::trim(), &user_state_scripts::mark_conversation(),
          &user_state_scripts::page()})
        redis_->preload(*script);
}

// {home} first: record the user, read its channels with their markers, and its conversations
// (all in {home}, read as the single layout reads them). Then every kept channel's counts in
// the channel's slot, all sent at once. Only the user's record is written, by the first step,
// so a load stopped anywhere leaves nothing to repair.
bool RedisUserState::load_clustered(std::string user, std::string identity, std::string nick,
                                    int max_conversations,
                                    std::function<void(Expected<model::UserSnapshot>)> done) {
    std::vector<std::string> keys{redis::keys::user(user), redis::keys::kept(user),
                                  redis::keys::marks(user), redis::keys::conversations(identity),
                                  redis::keys::conversation_order(identity)};
    // load()'s ARGV; the channel prefixes (7 to 10, 13) are not used here: a channel's keys
    // are in its own slot, read by the second step.
    std::vector<std::string> args{std::move(nick),
                                  identity,
                                  user,
                                  std::to_string(std::max(max_conversations, 0)),
                                  std::to_string(model::max_unread_count + 1),
                                  std::to_string(model::max_unread_count),
                                  "",
                                  "",
                                  "",
                                  "",
                                  redis::keys::conversation_seq_prefix(),
                                  redis::keys::conversation_prefix(),
                                  ""};
    auto counts = [client = redis_, user, done](Reply reply) {
        if (!reply || reply->type != Type::array || reply->elements.size() != 2)
            return done(Expected<model::UserSnapshot>(unavailable(reply)));
        auto gathered = std::make_shared<Gathered>();
        gathered->done = done;
        gathered->reply = std::move(*reply);
        auto kept = std::move(gathered->reply.elements[0].elements);
        gathered->reply.elements[0].elements.assign(kept.size(), redis::Value{});
        for (std::size_t i = 0; i < kept.size(); ++i) {
            const auto& row = kept[i].elements;
            if (row.size() != 2) continue;  // left out, as the single layout leaves out a row
            const auto& channel = row[0].text;
            std::vector<std::string> keys{
                redis::keys::seq(channel), redis::keys::log(channel), redis::keys::live(channel),
                redis::keys::own(user, channel), redis::keys::mentions(user, channel)};
            std::vector<std::string> args{channel, std::to_string(number(row[1])),
                                          std::to_string(model::max_unread_count)};
            ++gathered->waiting;
            auto counted = [gathered, i](Reply reply) {
                if (!reply || reply->type != Type::array || reply->elements.size() != 5)
                    gathered->fail(unavailable(reply));
                else
                    gathered->reply.elements[0].elements[i] = std::move(*reply);
                gathered->finish();
            };
            if (!client->eval(scripts::channel_counts(), std::move(keys), std::move(args),
                              std::move(counted))) {
                gathered->fail(queue_full());
                --gathered->waiting;
            }
        }
        gathered->finish();
    };
    return redis_->eval(scripts::load_home(), std::move(keys), std::move(args), std::move(counts));
}

// The channel's slot first: set the user's keeps flag and read the head in one step, so every
// message after the head, which becomes the marker, is noted for the user (on one Redis the
// marker and the flag are one field, written at once). Then {home}: the list and the marker.
// - Stopped between the two: a flag for a channel the user does not keep. The append script
//   then notes the user's mentions and own messages there, at most max_unread_count of each,
//   and nothing counts them: a later keep puts the marker at the head, after all of them, and
//   a drop deletes them. Harmless.
// - Refused (the list is full): the flag is taken off again before the answer, so a refused
//   keep leaves nothing (or, if Redis is lost first, the harmless flag above). Should another
//   connection of the same user keep the same channel just then, after a drop made room, this
//   could take off its flag: its mentions then go unnoted until the user's next join of it.
// - Kept already: the flag is set again, which repairs a flag lost (see drop) at every join.
bool RedisUserState::keep_clustered(std::string user, std::string channel, std::size_t max_channels,
                                    std::function<void(Expected<Kept>)> done) {
    auto flag = redis::keys::keeps(user, channel);
    std::vector<std::string> keys{flag, redis::keys::seq(channel)};
    auto home = [client = redis_, user, channel, flag, max_channels, done](Reply reply) {
        if (!reply || reply->type != Type::integer) return done(Expected<Kept>(unavailable(reply)));
        std::vector<std::string> keys{redis::keys::user(user), redis::keys::kept(user),
                                      redis::keys::marks(user)};
        std::vector<std::string> args{channel, std::to_string(max_channels),
                                      std::to_string(reply->integer)};
        auto kept = [client, channel, flag, done](Reply reply) {
            if (!reply || reply->type != Type::integer)
                return done(Expected<Kept>(unavailable(reply)));
            if (reply->integer == 1) return done(Kept::kept);
            auto refused = [done](Reply) { done(Kept::too_many); };
            if (!client->command({"HDEL", flag, channel}, refused)) done(Kept::too_many);
        };
        if (!client->eval(scripts::keep_home(), std::move(keys), std::move(args), std::move(kept)))
            done(Expected<Kept>(queue_full()));
    };
    return redis_->eval(scripts::keep_flag(), std::move(keys), {channel}, std::move(home));
}

// The channel's slot first (the flag, the mentions and own seqs), then {home} (the list and
// the marker): see the order rule above, which makes a part and a join at once end kept with
// the flag set. Stopped between the two: the channel still kept, its marker where it was, but
// without its flag (and the drop answered a failure, or none, as a drop that fails on one
// Redis does: the channel stays on the list). Mentions there then go unnoted and the user's
// own messages count as unread, until its next join of the channel sets the flag again.
bool RedisUserState::drop_clustered(std::string user, std::string channel,
                                    std::function<void(Expected<void>)> done) {
    std::vector<std::string> keys{redis::keys::keeps(user, channel),
                                  redis::keys::mentions(user, channel),
                                  redis::keys::own(user, channel)};
    auto home = [client = redis_, user, channel, done](Reply reply) {
        if (!reply || reply->type != Type::integer) return done(Expected<void>(unavailable(reply)));
        auto dropped = [done](Reply reply) {
            if (!reply || reply->type != Type::integer)
                return done(Expected<void>(unavailable(reply)));
            done(Expected<void>());
        };
        if (!client->eval(scripts::drop_home(), {redis::keys::kept(user), redis::keys::marks(user)},
                          {channel}, std::move(dropped)))
            done(Expected<void>(queue_full()));
    };
    return redis_->eval(scripts::drop_channel_part(), std::move(keys), {std::move(channel)},
                        std::move(home));
}

// The channel's head first (a read: heads only grow, so a seq not beyond it a moment ago is
// not beyond it now). Then {home} checks and moves the marker and publishes the `read` event to
// the user's events (in {home}), with the single script's answers in its order. Once moved, the
// channel's slot forgets the mentions and own seqs up to the marker. That trim is housekeeping,
// not waited for: counts skip every seq up to the marker, so seqs a lost trim leaves are never
// counted, and the next mark trims them, the append script caps them and a drop deletes them.
bool RedisUserState::mark_clustered(std::string user, std::string channel, std::int64_t seq,
                                    std::function<void(Expected<Marked>)> done) {
    auto home = [client = redis_, user, channel, seq, done](Reply reply) {
        if (!reply || (reply->type != Type::string && reply->type != Type::nil))
            return done(Expected<Marked>(unavailable(reply)));
        auto head = number(*reply);  // nil: no message yet, 0
        auto [prefix, suffix] = redis::bus::read_event_parts({user, "", false, seq});
        std::vector<std::string> args{channel,
                                      std::to_string(seq),
                                      std::to_string(head),
                                      redis::keys::user_events(user),
                                      std::move(prefix),
                                      std::move(suffix)};
        auto marked = [client, user, channel, seq, done](Reply reply) {
            if (!reply || reply->type != Type::string)
                return done(Expected<Marked>(unavailable(reply)));
            auto answer = marked_of(reply->text);
            if (answer == Marked::moved)
                (void)client->eval(
                    scripts::trim(),
                    {redis::keys::mentions(user, channel), redis::keys::own(user, channel)},
                    {std::to_string(seq)}, [](Reply) {});
            done(answer);
        };
        if (!client->eval(scripts::mark_home(), {redis::keys::marks(user)}, std::move(args),
                          std::move(marked)))
            done(Expected<Marked>(queue_full()));
    };
    return redis_->command({"GET", redis::keys::seq(channel)}, std::move(home));
}

}  // namespace parley::storage
