#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/message.hpp"
#include "storage/history.hpp"

namespace parley::storage {

// A message's reactions as storage keeps them: a JSON array of [emoji, [nick, ...]] in the
// order each emoji was first given, so the order survives a round trip (a JSON object's keys
// would not). Empty text for none.
std::string reactions_to_text(const std::vector<model::Reaction>& reactions);
// Unreadable text (never written by Parley) reads as no reactions rather than failing a page.
std::vector<model::Reaction> reactions_from_text(std::string_view text);

// Gives (on) or takes back (!on) `nick`'s `emoji` on a message's reactions. Nicks compare
// case-insensitively, as nicks do. Refusal::none when the reactions changed; unchanged when the
// nick had (or had not) given it already; too_many_reactions for a new emoji beyond
// model::max_reactions_per_message.
Refusal toggle_reaction(std::vector<model::Reaction>& reactions, const std::string& nick,
                        const std::string& emoji, bool on);

// Brings a page of messages (current state, ascending) up to date with a later event: a message
// is added, a change applies to its target when the page holds it. A page stays messages only.
void apply_to_page(std::vector<model::ChatMessage>& page, model::ChatMessage event);

}  // namespace parley::storage
