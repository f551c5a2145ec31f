#include "chat/read_state.hpp"

#include <spdlog/spdlog.h>

namespace parley::chat {

using protocol::ErrorCode;

namespace {

bool persistent(const ParticipantPtr& p) {
    return HubAccess::state(*p).standing().account;
}

}  // namespace

bool ReadState::load(const std::string& nick,
                     std::function<void(std::optional<model::UserSnapshot>)> done) {
    auto key = model::nick_key(nick);
    return store_.load(key, model::account_identity(nick), nick, welcome_conversations,
                       [key, done](Expected<model::UserSnapshot> snapshot) {
                           if (!snapshot) {
                               spdlog::warn("read state: {}'s channels could not be read: {}", key,
                                            snapshot.error().message);
                               return done(std::nullopt);
                           }
                           done(std::move(*snapshot));
                       });
}

void ReadState::keep(const ParticipantPtr& p, const std::string& channel,
                     std::function<void(std::optional<protocol::Error>)> then) {
    if (!persistent(p)) return then(std::nullopt);
    auto max = options_.max_channels_per_session;
    auto kept = [then, max](Expected<storage::Kept> kept) {
        if (!kept)
            return then(
                protocol::Error{ErrorCode::unavailable, "the join could not be stored, try again"});
        if (*kept == storage::Kept::too_many)
            return then(protocol::Error{
                ErrorCode::too_many_channels,
                "you keep " + std::to_string(max) + " channels already; leave one first"});
        then(std::nullopt);
    };
    if (!store_.keep_channel(HubAccess::state(*p).key(), channel, max, kept))
        then(protocol::Error{ErrorCode::busy, "the server is busy, try again"});
}

void ReadState::forget(const std::string& key, const std::string& channel) {
    auto dropped = [key, channel](Expected<void> done) {
        if (!done)
            spdlog::warn("read state: {} could not be taken off {}'s channels: {}", channel, key,
                         done.error().message);
    };
    if (!store_.drop_channel(key, channel, dropped))
        spdlog::warn("read state: queue full, {} stays on {}'s channels", channel, key);
}

void ReadState::mark_read(const ParticipantPtr& p, const protocol::RequestId& id,
                          const protocol::MarkRead& mark) {
    if (!persistent(p))
        return replies_.fail(p, id, ErrorCode::forbidden,
                             "read markers are kept for accounts: log in to keep them");
    auto key = HubAccess::state(*p).key();
    bool queued;
    if (mark.conversation) {
        queued = store_.mark_conversation(
            key, model::account_identity(p->nick()), model::nick_key(mark.place), mark.seq,
            [=, this](Expected<storage::UserState::ConversationMarked> result) {
                if (!result) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
                const auto& with = result->with.empty() ? mark.place : result->with;
                marked(p, id, result->marked, with, true, mark.seq);
            });
    } else {
        queued = store_.mark_channel(
            key, mark.place, mark.seq, [=, this](Expected<storage::Marked> result) {
                if (!result) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
                marked(p, id, *result, mark.place, false, mark.seq);
            });
    }
    if (!queued) replies_.busy(p, id);
}

void ReadState::marked(const ParticipantPtr& p, const protocol::RequestId& id,
                       storage::Marked marked, const std::string& place, bool conversation,
                       std::int64_t seq) {
    using storage::Marked;
    switch (marked) {
        case Marked::not_kept:
            if (conversation)
                return replies_.fail(p, id, ErrorCode::no_such_user,
                                     "no conversation with " + place);
            return replies_.fail(p, id, ErrorCode::not_member, "not a member of " + place);
        case Marked::beyond_end:
            return replies_.fail(p, id, ErrorCode::bad_request,
                                 "seq " + std::to_string(seq) + " is past the last one of " +
                                     (conversation ? "the conversation with " : "") + place);
        case Marked::unchanged:
            break;
        case Marked::moved:
            // In a cluster the store told every node, this one included.
            if (!cluster_) deliver(HubAccess::state(*p).key(), place, conversation, seq);
            break;
    }
    if (id) replies_.send(p, protocol::encode_ok(id, std::nullopt));
}

void ReadState::deliver(const std::string& user, const std::string& place, bool conversation,
                        std::int64_t seq) {
    nicks_.deliver(user, ws::make_text_frame(protocol::encode_read(place, conversation, seq)), {});
}

void ReadState::conversation(const ParticipantPtr& p, const protocol::RequestId& id,
                             const protocol::ConversationQuery& query) {
    auto holder = nicks_.holder(HubAccess::state(*p).key());
    if (!holder) return;  // gone meanwhile
    auto limit = query.since ? options_.since_cap : query.limit;
    auto page = [=, this](Expected<storage::ConversationPage> page) {
        if (!page)
            return replies_.fail(p, id, ErrorCode::unavailable,
                                 "the conversation could not be read, try again");
        replies_.send(p, protocol::encode_conversation(id, query.with, page->messages, page->gap));
    };
    if (!store_.conversation(holder->identity, model::nick_key(query.with), query.before,
                             query.since, limit, page))
        replies_.busy(p, id);
}

}  // namespace parley::chat
