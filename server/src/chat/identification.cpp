#include "chat/identification.hpp"

#include <spdlog/spdlog.h>

#include "auth/jwt.hpp"
#include "auth/random_id.hpp"

namespace parley::chat {

using protocol::ErrorCode;

namespace {

std::string address_key(const ParticipantPtr& p) {
    return auth::FailureLimiter::address_key(p->address());
}
std::string account_key(const std::string& key) {
    return auth::FailureLimiter::account_key(key);
}

}  // namespace

void Identification::hello(const ParticipantPtr& p, const protocol::RequestId& id,
                           const protocol::Hello& hello,
                           std::optional<std::int64_t> token_issued_at) {
    if (HubAccess::state(*p).identified()) {
        replies_.fail(p, id, ErrorCode::already_identified, "this connection already said hello");
        return;
    }
    if (token_issued_at) return with_token(p, id, hello.nick, *token_issued_at);
    if (hello.password) return login(p, id, hello);
    if (!options_.guests) {
        replies_.fail(p, id, ErrorCode::unauthorized,
                      "this server needs an account: log in with a password or a token");
        replies_.metrics().count_refused(metrics::RefusedReason::unauthorized);
        p->close(1008, "unauthorized");
        return;
    }
    guest(p, id, hello.nick, hello.resume);
}

void Identification::with_token(const ParticipantPtr& p, const protocol::RequestId& id,
                                const std::string& nick, std::int64_t issued_at) {
    // A token user from an outside issuer may have no account here; an account's token must be
    // newer than its last password change.
    auto found = [=, this](Expected<std::optional<storage::Account>> account) {
        if (!account)
            return replies_.fail(p, id, ErrorCode::unavailable, "accounts could not be read");
        if (*account && !storage::accepts_token(**account, issued_at)) {
            replies_.fail(p, id, ErrorCode::unauthorized,
                          "the token was issued before the password changed; log in again");
            replies_.metrics().count_refused(metrics::RefusedReason::unauthorized);
            return p->close(1008, "unauthorized");
        }
        claim(p, id, nick, true, model::account_identity(nick),
              [=, this] { admit(p, id, nick, true, {}); });
    };
    if (!services_.directory.find_account(model::nick_key(nick), found)) replies_.busy(p, id);
}

void Identification::guest(const ParticipantPtr& p, const protocol::RequestId& id,
                           const std::string& nick, const std::optional<std::string>& resume) {
    auto key = model::nick_key(nick);
    // The account is looked up first, even when its user is connected: a guest is told the nick
    // is registered (and may log in) rather than only that it is taken. claim() checks the rest.
    auto found = [=, this](Expected<std::optional<storage::Account>> account) {
        if (!account)
            return replies_.fail(p, id, ErrorCode::unavailable, "accounts could not be read");
        if (*account)
            return replies_.fail(
                p, id, ErrorCode::nick_registered,
                "the nick " + nick + " belongs to an account: log in with its password");
        // A guest's stay is known by a random id only its connections are told: a later guest
        // under the same nick cannot read this one's direct messages.
        auto resume_id = resume && auth::is_random_id(*resume) ? *resume : auth::random_id();
        claim(p, id, nick, false, model::guest_identity(nick, resume_id),
              [=, this] { admit(p, id, nick, false, resume_id); });
    };
    if (!services_.directory.find_account(key, found)) replies_.busy(p, id);
}

void Identification::login(const ParticipantPtr& p, const protocol::RequestId& id,
                           const protocol::Hello& hello) {
    auto key = model::nick_key(hello.nick);
    auto at = auth::FailureLimiter::Clock::now();
    auto& limiter = services_.failed_logins;
    // Counted as failed from the start, so that logins sent in parallel stay within the limit.
    if (!limiter.attempt({address_key(p), account_key(key)}, at)) {
        replies_.metrics().logins_limited_total.fetch_add(1, std::memory_order_relaxed);
        replies_.fail(p, id, ErrorCode::rate_limited,
                      "too many failed logins; try again in a minute");
        return;
    }
    auto not_checked = [=, this, &limiter](ErrorCode code, const std::string& message) {
        limiter.refund(address_key(p), at);
        limiter.refund(account_key(key), at);
        replies_.fail(p, id, code, message);
    };
    auto password = *hello.password;
    auto found = [=, this, &limiter](Expected<std::optional<storage::Account>> account) {
        if (!account) return not_checked(ErrorCode::unavailable, "accounts could not be read");
        if (!*account) return refuse_login(p, id);
        auto nick = (*account)->nick;
        auto checked = [=, this, &limiter](bool matches) {
            if (!matches) return refuse_login(p, id);
            limiter.refund(address_key(p), at);
            limiter.succeeded(account_key(key));
            claim(p, id, nick, true, model::account_identity(nick),
                  [=, this] { admit(p, id, nick, true, {}); });
        };
        if (!services_.hasher.verify(password, (*account)->password_hash, checked))
            not_checked(ErrorCode::busy, "the server is busy, try again");
    };
    if (!services_.directory.find_account(key, found))
        not_checked(ErrorCode::busy, "the server is busy, try again");
}

void Identification::refuse_login(const ParticipantPtr& p, const protocol::RequestId& id) {
    // The failure was counted when the attempt began.
    replies_.metrics().failed_logins_total.fetch_add(1, std::memory_order_relaxed);
    // The same answer whether the account exists or not: a guess learns nothing.
    replies_.fail(p, id, ErrorCode::unauthorized, "wrong nick or password");
    replies_.metrics().count_refused(metrics::RefusedReason::unauthorized);
    p->close(1008, "unauthorized");
}

void Identification::register_account(const ParticipantPtr& p, const protocol::RequestId& id,
                                      const protocol::Register& request) {
    auto& state = HubAccess::state(*p);
    if (state.identified() && state.standing().admin) return create_for(p, id, request);
    if (state.identified()) {
        replies_.fail(p, id, ErrorCode::already_identified, "this connection already said hello");
        return;
    }
    auto nick = request.nick;
    auto key = model::nick_key(nick);
    if (options_.admins.count(key)) {
        if (!request.setup || !auth::same_secret(*request.setup, options_.admin_setup_code)) {
            replies_.fail(p, id, ErrorCode::forbidden,
                          nick +
                              " is an admin's nick: registering it needs the setup code "
                              "from the server's log");
            return;
        }
    } else if (!options_.registration) {
        replies_.fail(p, id, ErrorCode::forbidden,
                      "registration is closed on this server; an admin can create your account");
        return;
    }
    auto release = [=, this] {
        if (cluster_) cluster_->release_nick(key);
    };
    claim(p, id, nick, true, model::account_identity(nick), [=, this] {
        store_account(p, id, nick, request.password, release,
                      [=, this] { admit(p, id, nick, true, {}); });
    });
}

void Identification::create_for(const ParticipantPtr& p, const protocol::RequestId& id,
                                const protocol::Register& request) {
    // An admin's `register` makes an account for someone else (the way in when registration is
    // closed); the admin's own connection stays who it is.
    auto nick = request.nick;
    if (!nicks_.available(model::nick_key(nick), nick, true)) {
        replies_.fail(p, id, ErrorCode::nick_taken, "a guest is using the nick " + nick);
        return;
    }
    store_account(
        p, id, nick, request.password, [] {},
        [=, this] {
            spdlog::info("admin {} created the account {}", p->nick(), nick);
            if (id) replies_.send(p, protocol::encode_ok(id, std::nullopt));
        });
}

void Identification::store_account(const ParticipantPtr& p, const protocol::RequestId& id,
                                   const std::string& nick, const std::string& password,
                                   std::function<void()> failed, std::function<void()> created) {
    auto key = model::nick_key(nick);
    auto stored = [=, this](Expected<storage::Created> result) {
        if (!result) {
            failed();
            return replies_.fail(p, id, ErrorCode::unavailable,
                                 "the account could not be stored, try again");
        }
        if (*result == storage::Created::exists) {
            failed();
            return replies_.fail(p, id, ErrorCode::nick_taken,
                                 "the nick " + nick + " is registered already");
        }
        created();
    };
    auto hashed = [=, this](Expected<std::string> hash) {
        if (!hash) {
            failed();
            return replies_.fail(p, id, ErrorCode::unavailable, hash.error().message);
        }
        if (!services_.directory.create_account(key, nick, *hash, stored)) {
            failed();
            replies_.busy(p, id);
        }
    };
    if (!services_.hasher.hash(password, hashed)) {
        failed();
        replies_.fail(p, id, ErrorCode::busy, "too many passwords are being checked, try again");
    }
}

void Identification::change_password(const ParticipantPtr& p, const protocol::RequestId& id,
                                     const protocol::ChangePassword& request) {
    auto& state = HubAccess::state(*p);
    if (!state.standing().account) {
        replies_.fail(p, id, ErrorCode::forbidden, "guests have no password to change");
        return;
    }
    auto key = state.key();
    auto at = auth::FailureLimiter::Clock::now();
    auto& limiter = services_.failed_logins;
    if (!limiter.attempt({account_key(key)}, at)) {
        replies_.fail(p, id, ErrorCode::rate_limited, "too many wrong passwords; wait a minute");
        return;
    }
    // Anything but a wrong old password does not count against the limit.
    auto not_checked = [=, this, &limiter](ErrorCode code, const std::string& message) {
        limiter.refund(account_key(key), at);
        replies_.fail(p, id, code, message);
    };
    auto found = [=, this, &limiter](Expected<std::optional<storage::Account>> account) {
        if (!account) return not_checked(ErrorCode::unavailable, "try again");
        if (!*account)
            return not_checked(ErrorCode::forbidden,
                               "this account logs in with tokens and has no password here");
        auto stored = [=, this](Expected<void> result) {
            if (!result) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
            if (id) replies_.send(p, protocol::encode_ok(id, std::nullopt));
        };
        auto hashed = [=, this](Expected<std::string> hash) {
            if (!hash) return replies_.fail(p, id, ErrorCode::unavailable, hash.error().message);
            // Tokens issued until now stop working: one taken with the old password is no key.
            if (!services_.directory.set_password(key, *hash, auth::unix_now(), stored))
                replies_.busy(p, id);
        };
        auto checked = [=, this, &limiter](bool matches) {
            if (!matches)
                return replies_.fail(p, id, ErrorCode::unauthorized, "the old password is wrong");
            limiter.refund(account_key(key), at);
            if (!services_.hasher.hash(request.new_password, hashed)) replies_.busy(p, id);
        };
        if (!services_.hasher.verify(request.old_password, (*account)->password_hash, checked))
            not_checked(ErrorCode::busy, "the server is busy, try again");
    };
    if (!services_.directory.find_account(key, found))
        not_checked(ErrorCode::busy, "the server is busy, try again");
}

void Identification::claim(const ParticipantPtr& p, const protocol::RequestId& id,
                           const std::string& nick, bool account, const std::string& identity,
                           std::function<void()> then) {
    auto key = model::nick_key(nick);
    if (!nicks_.available(key, nick, account)) {
        replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        return;
    }
    if (!cluster_) return then();
    // Free here; the cluster decides whether it is free everywhere.
    cluster_->claim_nick(key, nick, account, identity, [=, this](NickClaim claim) {
        if (claim == NickClaim::taken)
            replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        else if (claim == NickClaim::unavailable)
            replies_.fail(p, id, ErrorCode::unavailable,
                          "the cluster cannot be reached, try again");
        else
            then();
    });
}

void Identification::admit(const ParticipantPtr& p, const protocol::RequestId& id,
                           const std::string& nick, bool account, const std::string& resume_id) {
    auto key = model::nick_key(nick);
    ParticipantState::Standing standing{account, account && options_.admins.count(key) > 0};
    auto identity =
        account ? model::account_identity(nick) : model::guest_identity(nick, resume_id);
    auto admission = nicks_.admit(p, nick, key, standing, identity);
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
    auto send_welcome = [=, this](std::vector<model::DirectMessage> dms,
                                  std::optional<model::UserSnapshot> kept) {
        nicks_.welcome(p, key, [&] {
            protocol::Welcome welcome{nick,           std::string(p->session_id()),
                                      options_.node,  options_.limits,
                                      std::move(dms), std::move(kept),
                                      resume_id,      standing.account,
                                      standing.admin};
            replies_.send(p, protocol::encode_welcome(id, welcome));
        });
    };
    auto with_dms = [=, this] {
        auto dms = [send_welcome](std::vector<model::DirectMessage> dms) {
            send_welcome(std::move(dms), std::nullopt);
        };
        if (!services_.history.recent_dms(nick, identity, options_.welcome_dms, dms)) dms({});
    };
    // A persistent user's conversations carry seqs: a dm committed around the read is told
    // apart by its seq, so this read need not be ordered with the dms.
    if (!account) return with_dms();
    auto kept = [=](std::optional<model::UserSnapshot> kept) {
        if (kept) return send_welcome({}, std::move(kept));
        with_dms();  // the store failed: what a guest would see, rather than nothing
    };
    if (!read_state_.load(nick, kept)) with_dms();
}

void Identification::release(const ParticipantPtr& p, const std::string& key) {
    if (nicks_.remove(p, key) && cluster_) cluster_->release_nick(key);
}

}  // namespace parley::chat
