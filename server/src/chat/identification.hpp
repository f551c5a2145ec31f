#pragma once

#include <string>

#include "auth/failure_limiter.hpp"
#include "auth/password_hasher.hpp"
#include "chat/cluster_link.hpp"
#include "chat/hub_options.hpp"
#include "chat/nick_registry.hpp"
#include "chat/read_state.hpp"
#include "chat/replies.hpp"
#include "storage/directory.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Who a connection is. A guest's `hello` claims a free nick that no account owns; an account
// proves its nick with a password (checked against its Argon2id hash on the hashing pool) or a
// token; `register` creates an account and identifies the connection in one step. The nick is
// claimed here, and in a cluster everywhere, then `welcome` goes out: for a guest with its
// recent direct messages, for a persistent user with its channels and conversations (ReadState);
// a disconnect gives the nick back.
class Identification {
  public:
    struct Services {
        storage::History& history;
        storage::Directory& directory;
        auth::PasswordHasher& hasher;
        auth::FailureLimiter& failed_logins;  // per address and per account
    };
    Identification(const HubOptions& options, NickRegistry& nicks, ReadState& read_state,
                   Services services, ClusterLink* cluster, const Replies& replies)
        : options_(options),
          nicks_(nicks),
          read_state_(read_state),
          services_(services),
          cluster_(cluster),
          replies_(replies) {}

    // `token_issued_at`: the hello carried a valid token for this very nick, issued then (Unix
    // seconds). A guest who gives the `resume` id of an earlier stay under this nick continues
    // it, with its direct messages; without one (or with one never given out) it starts a new
    // stay.
    void hello(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Hello& hello,
               std::optional<std::int64_t> token_issued_at);
    void register_account(const ParticipantPtr& p, const protocol::RequestId& id,
                          const protocol::Register& request);
    void change_password(const ParticipantPtr& p, const protocol::RequestId& id,
                         const protocol::ChangePassword& request);
    // Gives the nick back for this connection.
    void release(const ParticipantPtr& p, const std::string& key);

  private:
    void login(const ParticipantPtr& p, const protocol::RequestId& id,
               const protocol::Hello& hello);
    void with_token(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                    std::int64_t issued_at);
    void guest(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               const std::optional<std::string>& resume);
    // Claims the nick (here, and in a cluster everywhere) for the user whose identity it is,
    // then `then`; answers a refusal.
    void claim(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               bool account, const std::string& identity, std::function<void()> then);
    // Adds the connection under its claimed nick and sends `welcome`.
    void admit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               bool account, const std::string& resume_id);
    // An admin makes an account for someone else.
    void create_for(const ParticipantPtr& p, const protocol::RequestId& id,
                    const protocol::Register& request);
    // Hashes the password and stores the account, then `created`; answers a failure after
    // calling `failed`.
    void store_account(const ParticipantPtr& p, const protocol::RequestId& id,
                       const std::string& nick, const std::string& password,
                       std::function<void()> failed, std::function<void()> created);
    void refuse_login(const ParticipantPtr& p, const protocol::RequestId& id);

    const HubOptions& options_;
    NickRegistry& nicks_;
    ReadState& read_state_;
    Services services_;
    ClusterLink* cluster_;
    const Replies& replies_;
};

}  // namespace parley::chat
