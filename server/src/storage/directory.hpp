#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "model/authority.hpp"
#include "model/expected.hpp"

namespace parley::storage {

struct Account {
    std::string nick;           // as registered
    std::string password_hash;  // Argon2id string
    // Tokens issued before this Unix second are refused: set when the password changes, so a
    // token taken along with the old password stops working.
    std::int64_t tokens_after = 0;
};

// Whether a token issued at `issued_at` (Unix seconds) still speaks for the account.
inline bool accepts_token(const Account& account, std::int64_t issued_at) {
    return issued_at >= account.tokens_after;
}

enum class Created { created, exists };

// Who exists and who may do what: accounts, the key tokens are signed with, and channels'
// authority. Like History, every call queues its work and returns false at once when the
// bounded queue is full (the caller answers `busy`); callbacks run elsewhere, never on the
// caller's thread before it returns. A failed store answers with a Failure.
class Directory {
  public:
    virtual ~Directory() = default;

    virtual bool find_account(std::string key,
                              std::function<void(Expected<std::optional<Account>>)> done) = 0;
    // Atomically: `exists` when the key has an account already.
    virtual bool create_account(std::string key, std::string nick, std::string password_hash,
                                std::function<void(Expected<Created>)> done) = 0;
    // A new password, and the Unix second before which the account's tokens are refused.
    virtual bool set_password(std::string key, std::string password_hash, std::int64_t tokens_after,
                              std::function<void(Expected<void>)> done) = 0;

    // Everything about one channel's authority (a default one for a channel never registered).
    virtual bool load_channel(std::string name,
                              std::function<void(Expected<model::ChannelAuthority>)> done) = 0;
    // Registers a channel, atomically: `exists` when it is registered or has any history.
    virtual bool create_channel(std::string name, std::string owner, bool is_private,
                                std::string topic, std::function<void(Expected<Created>)> done) = 0;
    // Stores what `change` changes (model::apply), atomically. In a cluster the change also
    // reaches every node, this one included (ClusterListener::on_authority_change).
    virtual bool change_channel(std::string name, model::AuthorityChange change,
                                std::function<void(Expected<void>)> done) = 0;

    // The key tokens are signed with: made at the first start and kept (for a cluster, made once
    // for all nodes). Called at start-up only; blocks.
    virtual Expected<std::string> signing_key() = 0;

    virtual void stop() = 0;
};

}  // namespace parley::storage
