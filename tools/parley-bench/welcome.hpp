#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"
#include "ws_url.hpp"

namespace bench {

// The welcome scenario (issue 14): what `welcome` costs a persistent user whose chat the server
// keeps. Each token user joins channels that others then fill (some messages mentioning the
// user) and is sent direct messages by other users while offline; then fresh connections log in
// with the token, one at a time, and every `welcome` is timed and checked. See
// docs/benchmarks.md.
int run_welcome(const Options& options);

// What a user's `welcome` must say of one channel it keeps: the channel's newest seq, the read
// marker (0: the channel was new when the user joined it) and the counts.
struct ChannelExpect {
    std::string name;
    std::uint64_t last_seq = 0;
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;
};

// ... and of one conversation: every dm in it came from the other user and is unread.
struct ConversationExpect {
    std::string with;
    std::uint64_t last_seq = 0;
};

struct WelcomeUser {
    std::string token;
    std::string nick;                     // the token's subject
    std::vector<ChannelExpect> channels;  // in join order
    std::vector<ConversationExpect> conversations;
};

// The `sub` of a JWT (the nick a token logs in as), read without checking the signature: the
// server checks it. Throws UsageError when `token` is not a JWT with a subject.
std::string token_subject(std::string_view token);

// Compares a `welcome` with what the user should see. Empty when it matches; otherwise what
// differs, for the error message. The channels must be exactly the expected ones in join order;
// the conversations must include the expected ones (a user reused from an earlier run may have
// older conversations too), with exactly the expected figures.
std::string check_welcome(std::string_view welcome, const WelcomeUser& user);

// The unread and mention counts the server reports are capped (model::max_unread_count).
constexpr std::uint64_t unread_cap = 999;

// Sets up one user (options.tokens[index]): leaves whatever channels it keeps from an earlier
// run, joins options.channels new ones and says one message in each (its own: never unread),
// has options.clients other users fill each channel with options.messages messages (one in four
// mentioning the user) and options.conversations others send it 1-3 direct messages each while
// it is offline. Returns what its `welcome` must say. Throws std::runtime_error on any refusal.
WelcomeUser set_up_welcome_user(const Options& options, const WsTarget& target,
                                std::uint32_t index);

}  // namespace bench
