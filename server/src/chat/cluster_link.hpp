#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/authority.hpp"
#include "model/message.hpp"

namespace parley::chat {

// A nick present in a channel on another node.
struct RemoteMember {
    std::string node;
    std::string nick;
};

enum class NickClaim { claimed, taken, unavailable };

// What this node's hub tells and asks the other nodes of a cluster. The hub knows nothing of
// Redis: cluster mode passes an implementation, a single node passes none. Every call returns
// at once; answers come later on another thread.
class ClusterLink {
  public:
    virtual ~ClusterLink() = default;

    // The channel got its first member on this node (opened) or lost its last (closed): this
    // node hears the channel's events in between, and no others. Called under the channel
    // directory's shard lock, so in order for any one channel; returns at once.
    virtual void channel_opened(const std::string& channel) = 0;
    virtual void channel_closed(const std::string& channel) = 0;

    // Claims the nick for one more connection on this node. Several connections may share it
    // only when every one of them proved the same identity (the exact nick) with a token. Once
    // claimed, and until as many release_nick() calls, this node hears the user's events (its
    // dms and read markers): `done` says claimed only when it does.
    // `identity`: the claimant's (model::DirectMessage), which the dms sent to it will carry.
    virtual void claim_nick(const std::string& key, const std::string& nick, bool authenticated,
                            const std::string& identity, std::function<void(NickClaim)> done) = 0;
    virtual void release_nick(const std::string& key) = 0;
    // `nick` now has (or no longer has) a connection in `channel` on this node.
    virtual void announce_presence(const std::string& channel, const std::string& nick,
                                   bool present) = 0;
    virtual void announce_typing(const std::string& channel, const std::string& nick) = 0;
    // Who is in the channel on the other nodes that are alive; nullopt when it cannot be read.
    // Answers once this node hears the channel's events (after channel_opened()), so that an
    // event published after the answer reaches this node: a join reads its history after it.
    virtual void read_presence(
        const std::string& channel,
        std::function<void(std::optional<std::vector<RemoteMember>>)> done) = 0;
};

// What this node holds that the cluster must know again after Redis lost it (a restart).
struct LocalRegistrations {
    struct Nick {
        std::string key;
        std::string nick;
        bool authenticated = false;
        std::string identity;
        int connections = 0;
    };
    std::vector<Nick> nicks;
    std::vector<std::pair<std::string, std::string>> presence;  // (channel, nick)
};

// What the other nodes tell this hub. Calls come from the cluster's own strand.
class ClusterListener {
  public:
    virtual ~ClusterListener() = default;
    virtual void on_cluster_message(model::ChatMessage message) = 0;
    // For `user`'s connections here (the recipient's or the sender's: each gets its own copy);
    // `origin_session` already knows: it sent the message.
    virtual void on_cluster_dm(model::DirectMessage message, const std::string& user,
                               const std::string& origin_session) = 0;
    virtual void on_cluster_presence(const std::string& node, const std::string& channel,
                                     const std::string& nick, bool present) = 0;
    virtual void on_cluster_typing(const std::string& channel, const std::string& nick) = 0;
    // A persistent user's read marker moved (storage::UserState), on some node, this one
    // included: `place` is a channel, or with `conversation` the other user's nick.
    virtual void on_cluster_read(const std::string& user, const std::string& place,
                                 bool conversation, std::int64_t seq) = 0;
    // A node stopped its heartbeat: its members have left.
    virtual void on_node_gone(const std::string& node) = 0;
    // A change to a channel's authority, stored by some node (this one included).
    virtual void on_authority_change(const std::string& channel,
                                     const model::AuthorityChange& change) = 0;
    // A connection to the other nodes is back: events may have been missed meanwhile, and reads
    // made to fill the gap while only one connection was up may have failed.
    virtual void on_cluster_reconnected() = 0;
    virtual LocalRegistrations local_registrations() = 0;
};

}  // namespace parley::chat
