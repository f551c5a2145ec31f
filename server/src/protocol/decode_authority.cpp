// Decoding the commands of accounts and channel authority: register, password, create, role,
// topic, invite, and the moderation commands.
#include "protocol/fields.hpp"

namespace parley::protocol {

namespace {

// A command about one member of one channel: channel and nick.
Expected<std::pair<std::string, std::string>, Error> channel_and_nick(const json& object) {
    auto channel = read_channel(object);
    if (!channel) return std::move(channel).error();
    auto nick = read_nick(object, "nick");
    if (!nick) return std::move(nick).error();
    return std::pair{*std::move(channel), *std::move(nick)};
}

Expected<Command, Error> moderation(Sanction action, const json& object) {
    auto target = channel_and_nick(object);
    if (!target) return std::move(target).error();
    std::string reason;
    if (action == Sanction::kick || action == Sanction::ban) {
        auto given = read_optional_text(object, "reason", max_reason_chars);
        if (!given) return std::move(given).error();
        reason = *std::move(given);
    }
    auto [channel, nick] = *std::move(target);
    return Command{Moderate{action, std::move(channel), std::move(nick), std::move(reason)}};
}

}  // namespace

std::optional<Expected<Command, Error>> decode_authority(const std::string& type,
                                                         const json& object) {
    if (type == "register") {
        auto nick = read_nick(object, "nick");
        if (!nick) return std::move(nick).error();
        auto password = read_password(object, "password");
        if (!password) return std::move(password).error();
        std::optional<std::string> setup;
        if (auto it = object.find("setup"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("setup must be a string");
            setup = it->get<std::string>();
        }
        return Command{Register{*std::move(nick), *std::move(password), std::move(setup)}};
    }
    if (type == "password") {
        auto old_password = read_string(object, "old");
        if (!old_password) return std::move(old_password).error();
        auto new_password = read_password(object, "new");
        if (!new_password) return std::move(new_password).error();
        return Command{ChangePassword{*std::move(old_password), *std::move(new_password)}};
    }
    if (type == "create") {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        auto is_private = read_optional_bool(object, "private");
        if (!is_private) return std::move(is_private).error();
        auto topic = read_optional_text(object, "topic", max_topic_chars);
        if (!topic) return std::move(topic).error();
        return Command{CreateChannel{*std::move(channel), *is_private, *std::move(topic)}};
    }
    if (type == "role") {
        auto target = channel_and_nick(object);
        if (!target) return std::move(target).error();
        auto role = read_string(object, "role");
        if (!role) return std::move(role).error();
        if (*role != "op" && *role != "member") return bad_request("role must be op or member");
        auto [channel, nick] = *std::move(target);
        return Command{
            SetRole{std::move(channel), std::move(nick), *role == "op" ? Role::op : Role::member}};
    }
    if (type == "topic") {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        if (object.find("topic") == object.end()) return bad_request("missing field: topic");
        auto topic = read_optional_text(object, "topic", max_topic_chars);
        if (!topic) return std::move(topic).error();
        return Command{SetTopic{*std::move(channel), *std::move(topic)}};
    }
    if (type == "invite") {
        auto target = channel_and_nick(object);
        if (!target) return std::move(target).error();
        auto [channel, nick] = *std::move(target);
        return Command{Invite{std::move(channel), std::move(nick)}};
    }
    if (type == "kick") return moderation(Sanction::kick, object);
    if (type == "ban") return moderation(Sanction::ban, object);
    if (type == "unban") return moderation(Sanction::unban, object);
    if (type == "mute") return moderation(Sanction::mute, object);
    if (type == "unmute") return moderation(Sanction::unmute, object);
    return std::nullopt;
}

std::string_view to_string(Role role) {
    switch (role) {
        case Role::owner:
            return "owner";
        case Role::op:
            return "op";
        case Role::member:
            break;
    }
    return "member";
}

std::string_view to_string(Sanction action) {
    switch (action) {
        case Sanction::kick:
            return "kick";
        case Sanction::ban:
            return "ban";
        case Sanction::unban:
            return "unban";
        case Sanction::mute:
            return "mute";
        case Sanction::unmute:
            break;
    }
    return "unmute";
}

}  // namespace parley::protocol
