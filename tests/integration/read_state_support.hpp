#pragma once
// Helpers for the read state tests: a login that keeps its welcome, and the figures it shows for
// one channel or conversation.

#include <memory>
#include <string>

#include "publish_support.hpp"

namespace parley::test {

// A connection logged in as `nick` (an account made by signed_up) and the welcome it got.
struct Login {
    std::unique_ptr<Client> client;
    json welcome;
};
Login log_in_again(std::uint16_t port, const std::string& nick);

// welcome.channels' entry for `channel`, or null when it is not listed.
json kept(const json& welcome, const std::string& channel);
// welcome.conversations' entry with `nick`, or null.
json conversation_with(const json& welcome, const std::string& nick);
// The channels welcome.channels lists, in its order.
std::vector<std::string> kept_names(const json& welcome);

// mark_read's reply: in `channel`, or in the conversation with `with` when `conversation`.
json mark_read(Client& client, const std::string& place, std::int64_t seq,
               bool conversation = false);
// `history` with `with` (and `before` or `since` when given): the reply.
json conversation_page(Client& client, const std::string& with, json extra = json::object());
// The seqs of a page's messages.
std::vector<std::int64_t> seqs_of(const json& page);

}  // namespace parley::test
