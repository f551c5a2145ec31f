#pragma once

#include <functional>
#include <optional>
#include <string>

#include "chat/cluster_link.hpp"
#include "chat/hub_options.hpp"
#include "chat/nick_registry.hpp"
#include "chat/replies.hpp"
#include "storage/user_state.hpp"

namespace parley::chat {

// What the server keeps for a persistent user (an account or a token user) across connections:
// the channels it is in, its read markers, and its conversations. Guests keep none of it: their
// channels last as long as their connection, as before.
//
// A marker that moved reaches every connection of the user: on one node from here, in a cluster
// through the store, which tells every node (ClusterListener::on_cluster_read, then deliver()).
class ReadState {
  public:
    ReadState(const HubOptions& options, NickRegistry& nicks, storage::UserState& store,
              ClusterLink* cluster, const Replies& replies)
        : options_(options), nicks_(nicks), store_(store), cluster_(cluster), replies_(replies) {}

    // The most conversations a `welcome` lists.
    static constexpr int welcome_conversations = 200;

    // What `welcome` shows a persistent user; nothing when it could not be read (the caller
    // falls back to a guest's welcome). False: the store's queue is full.
    bool load(const std::string& nick,
              std::function<void(std::optional<model::UserSnapshot>)> done);
    // Keeps the channel in a persistent user's list, then `then` with nothing; or with the
    // refusal (the list is full, the store failed). A guest goes straight on.
    void keep(const ParticipantPtr& p, const std::string& channel,
              std::function<void(std::optional<protocol::Error>)> then);
    // Takes the channel off the user's list (a leave, a kick, a ban). A guest's key finds none.
    void forget(const std::string& key, const std::string& channel);

    void mark_read(const ParticipantPtr& p, const protocol::RequestId& id,
                   const protocol::MarkRead& mark);
    void conversation(const ParticipantPtr& p, const protocol::RequestId& id,
                      const protocol::ConversationQuery& query);
    // A marker moved: every connection of the user on this node hears of it.
    void deliver(const std::string& user, const std::string& place, bool conversation,
                 std::int64_t seq);

  private:
    // The answer to a mark that was stored.
    void marked(const ParticipantPtr& p, const protocol::RequestId& id, storage::Marked marked,
                const std::string& place, bool conversation, std::int64_t seq);

    const HubOptions& options_;
    NickRegistry& nicks_;
    storage::UserState& store_;
    ClusterLink* cluster_;
    const Replies& replies_;
};

}  // namespace parley::chat
