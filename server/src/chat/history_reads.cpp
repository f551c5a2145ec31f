#include "chat/history_reads.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void HistoryReads::page(const ParticipantPtr& p, const protocol::RequestId& id,
                        const protocol::HistoryQuery& query) {
    if (!channel_known(query.channel)) {
        replies_.fail(p, id, ErrorCode::no_such_channel, "no channel named " + query.channel);
        return;
    }
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

bool HistoryReads::channel_known(const std::string& name) const {
    return channels_.find(name) != nullptr || history_.knows_channel(name);
}

}  // namespace parley::chat
