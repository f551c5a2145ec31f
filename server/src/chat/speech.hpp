#pragma once

#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/cluster_link.hpp"
#include "chat/fan_out.hpp"
#include "chat/hub_options.hpp"
#include "chat/nick_registry.hpp"
#include "chat/replies.hpp"
#include "metrics/metrics.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Speaking in a channel: `say` (stored, acknowledged once durable, then fanned out), `typing`
// (fanned out, never stored), and changing what was said: `edit`, `delete`, `react` and
// `unreact`, each stored as an event of its own under the channel's next seq and fanned out as
// a message is. All need a member who is not muted there. Storage checks a change against its
// target (live? the author's? a reaction already given?) as it stores it, so two changes racing
// on one message, here or on two nodes, are judged in seq order.
class Speech {
  public:
    Speech(const HubOptions& options, ChannelDirectory& channels, AuthorityCache& authority,
           NickRegistry& nicks, FanOut& fan_out, storage::History& history, ClusterLink* cluster,
           const Replies& replies, metrics::Metrics& metrics)
        : options_(options),
          channels_(channels),
          nicks_(nicks),
          authority_(authority),
          fan_out_(fan_out),
          history_(history),
          cluster_(cluster),
          replies_(replies),
          metrics_(metrics) {}

    void say(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
             const protocol::Say& say);
    void typing(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                const protocol::Typing& typing);
    // edit: the author only. delete: the author, the channel's ops and owner, admins.
    // react and unreact: any member.
    void edit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
              const protocol::Edit& edit);
    void remove(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                const protocol::Delete& request);
    void react(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               const protocol::React& react);

    // What storage made of an event, for whoever sent it.
    using Answer = std::function<void(const storage::AppendResult&)>;
    // A message posted through the HTTP API (bot, idempotency key and all set): stored and
    // fanned out as a `say` is, without a connection. `done` gets the result; `busy` set in it
    // when storage (or the channel's authority) could not take it now.
    void publish(model::ChatMessage message, Answer done);

  private:
    // Stores an event and, once committed, fans it out; `answer` gets the result first either
    // way. False when storage's queue is full.
    bool commit(model::ChatMessage event, bool may_delete_any, Answer answer);
    // Calls `then` with the channel's authority unless the connection is muted in the channel
    // (answered `muted`).
    void unless_muted(const ParticipantPtr& p, const protocol::RequestId& id,
                      const std::string& channel, std::function<void(const AuthorityPtr&)> then);
    // A message or a change from a member of the channel: checks membership and the mute, then
    // stores it with the sender's identity as its author.
    void speak(const ParticipantPtr& p, const protocol::RequestId& id, model::ChatMessage event);
    void store(const ParticipantPtr& p, const protocol::RequestId& id, model::ChatMessage event,
               bool may_delete_any);

    const HubOptions& options_;
    ChannelDirectory& channels_;
    NickRegistry& nicks_;
    AuthorityCache& authority_;
    FanOut& fan_out_;
    storage::History& history_;
    ClusterLink* cluster_;
    const Replies& replies_;
    metrics::Metrics& metrics_;
};

}  // namespace parley::chat
