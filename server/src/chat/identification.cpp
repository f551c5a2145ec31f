#include "chat/identification.hpp"

#include "auth/random_id.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void Identification::hello(const ParticipantPtr& p, const protocol::RequestId& id,
                           const std::string& nick, bool authenticated,
                           const std::optional<std::string>& resume) {
    if (HubAccess::state(*p).identified()) {
        replies_.fail(p, id, ErrorCode::already_identified, "this connection already said hello");
        return;
    }
    auto key = model::nick_key(nick);
    if (!nicks_.available(key, nick, authenticated)) {
        replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        return;
    }
    // A guest's stay is known by a random id only its connections are told: a later guest under
    // the same nick cannot read this one's direct messages.
    std::string resume_id;
    if (!authenticated)
        resume_id = resume && auth::is_random_id(*resume) ? *resume : auth::random_id();
    if (!cluster_) return admit(p, id, nick, key, authenticated, resume_id);
    auto identity =
        authenticated ? model::account_identity(nick) : model::guest_identity(nick, resume_id);
    // Free here; the cluster decides whether it is free everywhere.
    cluster_->claim_nick(key, nick, authenticated, identity,
                         [this, p, id, nick, key, authenticated, resume_id](NickClaim claim) {
                             if (claim == NickClaim::taken)
                                 replies_.fail(p, id, ErrorCode::nick_taken,
                                               "the nick " + nick + " is taken");
                             else if (claim == NickClaim::unavailable)
                                 replies_.fail(p, id, ErrorCode::unavailable,
                                               "the cluster cannot be reached, try again");
                             else
                                 admit(p, id, nick, key, authenticated, resume_id);
                         });
}

void Identification::admit(const ParticipantPtr& p, const protocol::RequestId& id,
                           const std::string& nick, const std::string& key, bool authenticated,
                           const std::string& resume_id) {
    auto identity =
        authenticated ? model::account_identity(nick) : model::guest_identity(nick, resume_id);
    auto admission = nicks_.admit(p, nick, key, authenticated, identity);
    if (admission != NickRegistry::Admission::admitted) {
        // Disconnected while the cluster answered, another connection here won the race, or a
        // second hello was sent before the first was answered.
        if (cluster_) cluster_->release_nick(key);
        if (admission == NickRegistry::Admission::already_identified)
            replies_.fail(p, id, ErrorCode::already_identified,
                          "this connection already said hello");
        else if (admission == NickRegistry::Admission::taken)
            replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        return;
    }
    // Welcome after the recent direct messages are read; a dm committed before that read is in
    // `welcome.dms`, one committed after it is delivered live, never both.
    auto send_welcome = [this, p, id, nick, key, resume_id](std::vector<model::DirectMessage> dms) {
        nicks_.welcome(p, key, [&] {
            protocol::Welcome welcome{nick,           std::string(p->session_id()),
                                      options_.node,  options_.limits,
                                      std::move(dms), resume_id};
            replies_.send(p, protocol::encode_welcome(id, welcome));
        });
    };
    if (!history_.recent_dms(nick, identity, options_.welcome_dms, send_welcome)) send_welcome({});
}

void Identification::release(const ParticipantPtr& p, const std::string& key) {
    if (nicks_.remove(p, key) && cluster_) cluster_->release_nick(key);
}

}  // namespace parley::chat
