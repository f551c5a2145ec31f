#include "chat/hub.hpp"

namespace parley::chat {

using protocol::ErrorCode;

Hub::Hub(boost::asio::any_io_executor executor, HubOptions options, Services services,
         ClusterLink* cluster)
    : executor_(executor),
      options_(std::move(options)),
      history_(services.history),
      cluster_(cluster),
      replies_(services.metrics),
      read_state_(options_, nicks_, services.user_state, cluster, replies_),
      identification_(
          options_, nicks_, read_state_,
          {services.history, services.directory, services.hasher, services.failed_logins}, cluster,
          replies_),
      channels_(services.metrics, cluster),
      authority_cache_(services.directory),
      presence_(executor, options_.presence_window, options_.presence_limit),
      fan_out_(channels_, services.history, services.metrics, options_,
               options_.lanes.empty() ? std::vector{executor} : options_.lanes),
      membership_(options_, channels_, fan_out_, presence_, services.history, services.directory,
                  authority_cache_, read_state_, cluster, replies_),
      speech_(options_, channels_, authority_cache_, nicks_, fan_out_, services.history, cluster,
              replies_, services.metrics),
      reads_(options_, channels_, authority_cache_, services.history, replies_),
      authority_(options_, services.directory, authority_cache_, nicks_, channels_, membership_,
                 read_state_, replies_, cluster),
      dms_(nicks_, services.history, cluster, replies_, services.metrics),
      bridge_(channels_, nicks_, fan_out_, presence_, dms_, authority_, authority_cache_,
              read_state_, cluster) {}

std::string Hub::identified_nick(const ParticipantPtr& p, const protocol::RequestId& id) {
    auto nick = p->nick();
    if (nick.empty()) replies_.fail(p, id, ErrorCode::hello_required, "say hello first");
    return nick;
}

void Hub::hello(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Hello& hello, std::optional<std::int64_t> token_issued_at) {
    identification_.hello(p, id, hello, token_issued_at);
}

void Hub::register_account(const ParticipantPtr& p, const protocol::RequestId& id,
                           const protocol::Register& request) {
    identification_.register_account(p, id, request);
}

void Hub::change_password(const ParticipantPtr& p, const protocol::RequestId& id,
                          const protocol::ChangePassword& request) {
    if (!identified_nick(p, id).empty()) identification_.change_password(p, id, request);
}

void Hub::join(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Join& join) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) membership_.join(p, id, nick, join);
}

void Hub::leave(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Leave& leave) {
    if (!identified_nick(p, id).empty()) membership_.leave(p, id, leave);
}

void Hub::say(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Say& say) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) speech_.say(p, id, nick, say);
}

void Hub::change(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::Command& command) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    if (auto* edit = std::get_if<protocol::Edit>(&command))
        speech_.edit(p, id, nick, *edit);
    else if (auto* request = std::get_if<protocol::Delete>(&command))
        speech_.remove(p, id, nick, *request);
    else if (auto* react = std::get_if<protocol::React>(&command))
        speech_.react(p, id, nick, *react);
}

void Hub::typing(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::Typing& typing) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) speech_.typing(p, id, nick, typing);
}

void Hub::dm(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Dm& dm) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) dms_.send(p, id, nick, dm);
}

void Hub::history(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::HistoryQuery& query) {
    if (!identified_nick(p, id).empty()) reads_.page(p, id, query);
}

void Hub::conversation(const ParticipantPtr& p, const protocol::RequestId& id,
                       const protocol::ConversationQuery& query) {
    if (!identified_nick(p, id).empty()) read_state_.conversation(p, id, query);
}

void Hub::mark_read(const ParticipantPtr& p, const protocol::RequestId& id,
                    const protocol::MarkRead& mark) {
    if (!identified_nick(p, id).empty()) read_state_.mark_read(p, id, mark);
}

void Hub::who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who) {
    if (!identified_nick(p, id).empty()) reads_.who(p, id, who);
}

void Hub::channels(const ParticipantPtr& p, const protocol::RequestId& id) {
    if (!identified_nick(p, id).empty()) reads_.list(p, id);
}

void Hub::authority(const ParticipantPtr& p, const protocol::RequestId& id,
                    const protocol::Command& command) {
    if (identified_nick(p, id).empty()) return;
    if (auto* create = std::get_if<protocol::CreateChannel>(&command))
        authority_.create(p, id, *create);
    else if (auto* role = std::get_if<protocol::SetRole>(&command))
        authority_.set_role(p, id, *role);
    else if (auto* topic = std::get_if<protocol::SetTopic>(&command))
        authority_.set_topic(p, id, *topic);
    else if (auto* invite = std::get_if<protocol::Invite>(&command))
        authority_.invite(p, id, *invite);
    else if (auto* moderate = std::get_if<protocol::Moderate>(&command))
        authority_.moderate(p, id, *moderate);
}

bool Hub::channel_known(const std::string& name) const {
    return reads_.channel_known(name);
}

void Hub::readable(const std::string& channel, const Identity& who,
                   std::function<void(std::optional<bool>)> done) {
    authority_cache_.get(channel, [who, done](Expected<AuthorityPtr> authority, bool) {
        if (!authority) return done(std::nullopt);
        done(may_read(**authority, who));
    });
}

void Hub::disconnect(const ParticipantPtr& p) {
    auto departure = HubAccess::state(*p).depart();
    if (!departure) return;
    for (const auto& [name, ticket] : departure->channels) membership_.drop(p, name);
    if (!departure->key.empty()) identification_.release(p, departure->key);
}

}  // namespace parley::chat
