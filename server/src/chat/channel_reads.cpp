#include "chat/channel_reads.hpp"

#include "chat/rules.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void ChannelReads::if_readable(const ParticipantPtr& p, const protocol::RequestId& id,
                               const std::string& channel, std::function<void()> then) {
    authority_.get(channel, [=, this](Expected<AuthorityPtr> authority, bool busy) {
        if (!authority) {
            if (busy) return replies_.busy(p, id);
            return replies_.fail(p, id, ErrorCode::unavailable, "the channel could not be read");
        }
        if (!may_read(**authority, identity_of(*p)))
            return replies_.fail(p, id, ErrorCode::forbidden,
                                 channel + " is private: only its members may look in");
        then();
    });
}

void ChannelReads::page(const ParticipantPtr& p, const protocol::RequestId& id,
                        const protocol::HistoryQuery& query) {
    if (!channel_known(query.channel)) {
        replies_.fail(p, id, ErrorCode::no_such_channel, "no channel named " + query.channel);
        return;
    }
    if_readable(p, id, query.channel, [=, this] { read_page(p, id, query); });
}

void ChannelReads::read_page(const ParticipantPtr& p, const protocol::RequestId& id,
                             const protocol::HistoryQuery& query) {
    auto& state = HubAccess::state(*p);
    if (!state.begin_history_read(options_.max_history_reads_per_session)) {
        replies_.fail(p, id, ErrorCode::busy, "wait for your earlier history requests");
        return;
    }
    auto send = [this, p, id, channel = query.channel](storage::Page page) {
        HubAccess::state(*p).end_history_read();
        if (!page.ok)
            return replies_.fail(p, id, ErrorCode::unavailable, "history could not be read");
        if (!page.channel_exists && !channels_.find(channel))
            return replies_.fail(p, id, ErrorCode::no_such_channel, "no channel named " + channel);
        replies_.send(p, protocol::encode_history(id, channel, page.messages));
    };
    if (!history_.before(query.channel, query.before, query.limit, send)) {
        state.end_history_read();
        replies_.busy(p, id);
    }
}

void ChannelReads::who(const ParticipantPtr& p, const protocol::RequestId& id,
                       const protocol::Who& who) {
    if_readable(p, id, who.channel, [=, this] {
        std::size_t count = 0;
        std::shared_ptr<const std::string> members;
        if (auto channel = channels_.find(who.channel)) {
            std::lock_guard lock(channel->mutex);
            count = channel->active_count();
            members = channel->member_list(options_.presence_limit);
        }
        replies_.send(p, protocol::encode_who(id, who.channel, count, members ? *members : "[]"));
    });
}

void ChannelReads::list(const ParticipantPtr& p, const protocol::RequestId& id) {
    constexpr std::size_t max_listed = 1000;
    constexpr std::chrono::seconds max_age{1};
    // The shared list has the open and the public channels; the private ones this user is in
    // are added after them, for this user alone.
    auto listing = channels_.listing(max_listed, max_age);
    std::vector<protocol::ChannelSummary> own;
    for (const auto& name : HubAccess::state(*p).channel_names())
        if (auto channel = channels_.find(name)) {
            std::lock_guard lock(channel->mutex);
            if (channel->is_private && channel->active_count() > 0)
                own.push_back({name, channel->active_count()});
        }
    if (own.empty()) return replies_.send(p, protocol::encode_channels(id, *listing));
    auto extra = protocol::encode_channel_list(own);  // "[...]"
    auto merged = *listing;
    merged.pop_back();  // its ']'
    if (merged.size() > 1) merged += ',';
    merged += extra.substr(1);
    replies_.send(p, protocol::encode_channels(id, merged));
}

bool ChannelReads::channel_known(const std::string& name) const {
    return channels_.find(name) != nullptr || history_.knows_channel(name);
}

}  // namespace parley::chat
