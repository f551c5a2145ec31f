#include "storage/message_state.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace parley::storage {

using nlohmann::json;

std::string reactions_to_text(const std::vector<model::Reaction>& reactions) {
    if (reactions.empty()) return {};
    json list = json::array();
    for (const auto& reaction : reactions)
        list.push_back(json::array({reaction.emoji, reaction.nicks}));
    return list.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<model::Reaction> reactions_from_text(std::string_view text) {
    std::vector<model::Reaction> reactions;
    if (text.empty()) return reactions;
    auto list = json::parse(text, nullptr, false);
    if (!list.is_array()) return reactions;
    for (const auto& entry : list) {
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_array())
            continue;
        model::Reaction reaction{entry[0].get<std::string>(), {}};
        for (const auto& nick : entry[1])
            if (nick.is_string()) reaction.nicks.push_back(nick.get<std::string>());
        if (!reaction.nicks.empty()) reactions.push_back(std::move(reaction));
    }
    return reactions;
}

Refusal toggle_reaction(std::vector<model::Reaction>& reactions, const std::string& nick,
                        const std::string& emoji, bool on) {
    auto key = model::nick_key(nick);
    auto reaction = std::find_if(reactions.begin(), reactions.end(),
                                 [&](const model::Reaction& r) { return r.emoji == emoji; });
    if (reaction == reactions.end()) {
        if (!on) return Refusal::unchanged;
        if (reactions.size() >= model::max_reactions_per_message)
            return Refusal::too_many_reactions;
        reactions.push_back({emoji, {nick}});
        return Refusal::none;
    }
    auto& nicks = reaction->nicks;
    auto given = std::find_if(nicks.begin(), nicks.end(),
                              [&](const std::string& n) { return model::nick_key(n) == key; });
    if (on == (given != nicks.end())) return Refusal::unchanged;
    if (on) {
        nicks.push_back(nick);
    } else {
        nicks.erase(given);
        if (nicks.empty()) reactions.erase(reaction);
    }
    return Refusal::none;
}

void apply_to_page(std::vector<model::ChatMessage>& page, model::ChatMessage event) {
    using model::EventType;
    if (event.type == EventType::message) {
        if (page.empty() || event.seq > page.back().seq) page.push_back(std::move(event));
        return;
    }
    auto target = std::lower_bound(
        page.begin(), page.end(), event.target,
        [](const model::ChatMessage& message, std::int64_t seq) { return message.seq < seq; });
    if (target == page.end() || target->seq != event.target || target->deleted) return;
    switch (event.type) {
        case EventType::edited:
            target->text = std::move(event.text);
            target->edited_ts = event.ts;
            break;
        case EventType::deleted:
            target->deleted = true;
            target->text.clear();
            target->reactions.clear();
            break;
        case EventType::reaction:
            toggle_reaction(target->reactions, event.from, event.emoji, event.on);
            break;
        case EventType::message:
            break;
    }
}

}  // namespace parley::storage
