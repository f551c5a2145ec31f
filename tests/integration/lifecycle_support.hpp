#pragma once
// What the message lifecycle tests share: the say/edit/delete/react/unreact commands that wait
// for their own reply, the events they cause, and a client's view of a channel built by applying
// events in seq order, to compare with what the server's history pages say.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "accounts_support.hpp"

namespace parley::test {

// Each sends the command with an id and returns its direct reply (ok or error).
json say_to(Client& client, const std::string& channel, const std::string& text,
            std::optional<std::int64_t> reply_to = std::nullopt);
json edit(Client& client, const std::string& channel, const json& seq, const std::string& text);
json erase(Client& client, const std::string& channel, const json& seq);  // `delete`
json react(Client& client, const std::string& channel, const json& seq, const std::string& emoji);
json unreact(Client& client, const std::string& channel, const json& seq, const std::string& emoji);

// The `seq` of an ok, or -1 (and a test failure) when the reply is not an ok with a seq.
std::int64_t seq_of(const json& reply);

// The next event of `type` with this `seq`; frames before it stay queued.
json event_at(Client& client, const std::string& type, std::int64_t seq);

// A channel as a client knows it: message seq -> the message in its current state, shaped as a
// history page's entry.
using ChannelState = std::map<std::int64_t, json>;

// The messages of a history page (or a joined.history without since), by seq.
ChannelState state_of_page(const json& messages);
// Applies one event (message, edited, deleted, reaction) as a client must: edits replace the
// text and set edited_ts, a deletion clears text and reactions, reactions are set changes (a nick
// added when absent, removed when present; an emoji without nicks goes, as does an empty
// `reactions`). A change to a message the state does not hold is a test failure.
void apply_event(ChannelState& state, const json& event);
// What a page entry says of a message's state, for comparisons: without `channel` and `ts`.
json comparable(const json& message);
// Every message of `actual` is in `expected` and the same, and the other way round.
void expect_same_state(const ChannelState& expected, const ChannelState& actual,
                       const std::string& where);

// True when no message, edited, deleted or reaction event reaches `client` within `quiet` from
// now. Every frame queued or read meanwhile (presence and the like) is dropped.
bool no_change_within(Client& client, std::chrono::milliseconds quiet);

// Every message of `channel`, walking back with `history` pages of `page` messages; ascending.
json all_messages(Client& client, const std::string& channel, int page = 100);

// Arguments of a server whose rate limits stay out of the tests' way, and then `more`.
std::vector<std::string> unlimited(std::vector<std::string> more = {});

}  // namespace parley::test
