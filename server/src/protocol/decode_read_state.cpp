#include <nlohmann/json.hpp>

#include "protocol/command.hpp"
#include "protocol/fields.hpp"

namespace parley::protocol {

namespace {

// `channel` or `with`, exactly one of them: where a read marker or a history read points.
struct Place {
    std::string name;
    bool conversation = false;
};

Expected<Place, Error> read_place(const json& object) {
    bool has_channel = object.contains("channel") && !object["channel"].is_null();
    bool has_with = object.contains("with") && !object["with"].is_null();
    if (has_channel == has_with) return bad_request("give either channel or with");
    if (has_channel) {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        return Place{*std::move(channel), false};
    }
    auto with = read_nick(object, "with");
    if (!with) return std::move(with).error();
    return Place{*std::move(with), true};
}

}  // namespace

std::optional<Expected<Command, Error>> decode_read_state(const std::string& type,
                                                          const json& object,
                                                          const DecodeLimits& limits) {
    if (type == "mark_read") {
        auto place = read_place(object);
        if (!place) return std::move(place).error();
        auto seq = read_optional_seq(object, "seq", 0);
        if (!seq) return std::move(seq).error();
        if (!*seq) return bad_request("seq is required");
        return Command{MarkRead{std::move(place->name), place->conversation, **seq}};
    }
    // A channel's history is decoded with the other channel commands.
    if (type != "history" || !object.contains("with")) return std::nullopt;
    auto with = read_nick(object, "with");
    if (!with) return std::move(with).error();
    if (object.contains("channel")) return bad_request("give either channel or with");
    auto before = read_optional_seq(object, "before", 1);
    if (!before) return std::move(before).error();
    auto since = read_optional_seq(object, "since", 0);
    if (!since) return std::move(since).error();
    if (*before && *since) return bad_request("give before or since, not both");
    auto limit = read_history_limit(object, limits);
    if (!limit) return std::move(limit).error();
    return Command{ConversationQuery{*std::move(with), *before, *since, *limit}};
}

}  // namespace parley::protocol
