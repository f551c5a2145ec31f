#include "chat/direct_messages.hpp"

namespace parley::chat {

using protocol::ErrorCode;

namespace {

// Dms stored before conversations were numbered have no seq.
std::optional<std::int64_t> seq_of(const model::DirectMessage& message) {
    if (message.seq > 0) return message.seq;
    return std::nullopt;
}

}  // namespace

void DirectMessages::send(const ParticipantPtr& p, const protocol::RequestId& id,
                          const std::string& from, const protocol::Dm& dm) {
    auto sender = nicks_.holder(model::nick_key(from));
    if (!sender) return;  // gone meanwhile
    // In a cluster the recipient may be on any node: storage checks, atomically with storing,
    // and knows its identity.
    NickRegistry::Holder recipient{dm.to, {}};
    if (!cluster_) {
        // Connected nowhere: storage keeps it for a persistent user (an account, or a token
        // user seen here) and answers no_such_user for anyone else.
        if (auto holder = nicks_.holder(model::nick_key(dm.to))) recipient = *holder;
    }
    model::DirectMessage message{from,
                                 recipient.nick,
                                 dm.text,
                                 model::now_millis(),
                                 0,
                                 std::string(p->session_id()),
                                 sender->identity,
                                 recipient.identity,
                                 model::idempotency_key(sender->identity, dm.key),
                                 !cluster_ && recipient.identity.empty()};
    auto done = [this, p, id, to = dm.to](storage::DmAppendResult r) {
        if (r.no_such_user) {
            replies_.fail(p, id, ErrorCode::no_such_user, to + " is neither connected nor known");
            return;
        }
        if (r.repeated) {
            // A resend of a dm stored already: the first one's seq and time, nothing delivered.
            if (id)
                replies_.send(p,
                              protocol::encode_dm_ok(id, seq_of(r.message), r.message.ts, false));
            return;
        }
        if (!r.committed) {
            replies_.fail(p, id, ErrorCode::unavailable,
                          r.unreplicated
                              ? "stored, but not yet on as many replicas as the server waits "
                                "for: resend with the same key to learn its seq"
                              : "the message could not be stored, try again");
            return;
        }
        if (!cluster_) deliver(r.message, p->session_id());
        metrics_.dms_total.fetch_add(1, std::memory_order_relaxed);
        if (id)
            replies_.send(p,
                          protocol::encode_dm_ok(id, seq_of(r.message), r.message.ts, r.waiting));
    };
    if (!history_.append_dm(std::move(message), std::move(done))) replies_.busy(p, id);
}

void DirectMessages::deliver(const model::DirectMessage& message, std::string_view origin_session) {
    auto frame = ws::make_text_frame(protocol::encode_dm(message));
    auto from_key = model::nick_key(message.from);
    auto to_key = model::nick_key(message.to);
    nicks_.deliver(to_key, frame, {});
    if (from_key != to_key) nicks_.deliver(from_key, frame, origin_session);
}

void DirectMessages::deliver_to(const model::DirectMessage& message, const std::string& key,
                                std::string_view origin_session) {
    auto to_key = model::nick_key(message.to);
    if (key == to_key)
        nicks_.deliver(key, ws::make_text_frame(protocol::encode_dm(message)), {});
    else if (key == model::nick_key(message.from))
        nicks_.deliver(key, ws::make_text_frame(protocol::encode_dm(message)), origin_session);
}

}  // namespace parley::chat
