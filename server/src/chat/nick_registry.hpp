#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chat/cluster_link.hpp"
#include "chat/participant.hpp"

namespace parley::chat {

// Who holds which nick on this node, and through which connections. A nick is held by one
// user; several connections share it only when every one of them proved the same identity with
// a token (one user on several devices). Keys are case-insensitive (model::nick_key); an
// identity is exact, so `ANN` with a token is not the `ann` who holds the nick.
//
// Threading: 16 shards, each a mutex around its map; any thread may call anything.
class NickRegistry {
  public:
    // Whether a new connection for `nick` could be admitted now (the cluster may still say no).
    bool available(const std::string& key, const std::string& nick, bool authenticated) const;

    enum class Admission { admitted, taken, already_identified, gone };
    // Adds the connection under the nick and sets its state's nick, atomically: a disconnect
    // either sees the nick and removes the connection, or ran first and nothing is admitted.
    // `standing.account`: a password or token proved the nick (devices may share it).
    // `identity`: the user's for its direct messages (model::DirectMessage).
    Admission admit(const ParticipantPtr& p, const std::string& nick, const std::string& key,
                    ParticipantState::Standing standing, const std::string& identity);

    // Marks the connection welcomed and runs `send_welcome` under the shard's lock, so no direct
    // message can be delivered to it before its `welcome`. False when it has gone meanwhile.
    bool welcome(const ParticipantPtr& p, const std::string& key,
                 const std::function<void()>& send_welcome);

    // Removes the connection; returns whether it held the nick here at all.
    bool remove(const ParticipantPtr& p, const std::string& key);

    // Who holds the key here, if anyone: the nick as it spelled it, and its identity.
    struct Holder {
        std::string nick;
        std::string identity;
    };
    std::optional<Holder> holder(const std::string& key) const;

    // Queues the frame to every welcomed connection of the user but `except_session`.
    void deliver(const std::string& key, const ws::Frame& frame,
                 std::string_view except_session) const;

    // The welcomed connections of the user.
    std::vector<ParticipantPtr> connections(const std::string& key) const;

    std::vector<LocalRegistrations::Nick> snapshot() const;

  private:
    struct Connection {
        ParticipantPtr participant;
        bool welcomed = false;  // direct messages wait until `welcome` has been sent
    };
    struct User {
        std::string nick;
        bool authenticated = false;
        std::string identity;
        std::vector<Connection> connections;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, User> users;
    };
    static constexpr std::size_t shard_count = 16;

    Shard& shard(const std::string& key);
    const Shard& shard(const std::string& key) const;
    static bool clashes(const User& holder, const std::string& nick, bool authenticated);

    std::array<Shard, shard_count> shards_;
};

}  // namespace parley::chat
