#include "protocol/events.hpp"

#include <nlohmann/json.hpp>

namespace parley::protocol {
namespace {

using nlohmann::json;

// Frames are assembled as JSON objects and dumped once; invalid UTF-8 can only come from our own
// truncation, and is replaced rather than allowed to throw.
std::string dump(const json& object) {
    return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

json reply(const char* type, const RequestId& id) {
    json object{{"type", type}};
    if (id) object["id"] = json::parse(*id);
    return object;
}

// A message as it was said (live) or as it is now (stored: edits, deletion and reactions
// applied), or a change to one.
json message_json(const model::ChatMessage& m) {
    using model::EventType;
    json object{{"channel", m.channel}, {"seq", m.seq}, {"ts", m.ts}};
    switch (m.type) {
        case EventType::message:
            object["type"] = "message";
            object["from"] = m.from;
            if (m.deleted)
                object["deleted"] = true;
            else
                object["text"] = m.text;
            if (m.reply_to) object["reply_to"] = m.reply_to;
            if (m.bot) object["bot"] = true;
            if (m.edited_ts) object["edited_ts"] = m.edited_ts;
            if (!m.reactions.empty()) {
                json reactions = json::object();
                for (const auto& reaction : m.reactions) reactions[reaction.emoji] = reaction.nicks;
                object["reactions"] = std::move(reactions);
            }
            break;
        case EventType::edited:
            object["type"] = "edited";
            object["target"] = m.target;
            object["from"] = m.from;
            object["text"] = m.text;
            break;
        case EventType::deleted:
            object["type"] = "deleted";
            object["target"] = m.target;
            object["by"] = m.from;
            break;
        case EventType::reaction:
            object["type"] = "reaction";
            object["target"] = m.target;
            object["from"] = m.from;
            object["emoji"] = m.emoji;
            object["on"] = m.on;
            break;
    }
    return object;
}

json dm_json(const model::DirectMessage& message) {
    return json{{"type", "dm"},
                {"from", message.from},
                {"to", message.to},
                {"text", message.text},
                {"ts", message.ts}};
}

json dm_with_seq(const model::DirectMessage& message) {
    auto object = dm_json(message);
    if (message.seq > 0) object["seq"] = message.seq;
    return object;
}

json messages_json(const std::vector<model::ChatMessage>& messages) {
    json list = json::array();
    for (const auto& message : messages) list.push_back(message_json(message));
    return list;
}

}  // namespace

std::string encode_welcome(const RequestId& id, const Welcome& welcome) {
    json object = reply("welcome", id);
    object["nick"] = welcome.nick;
    object["session"] = welcome.session;
    object["node"] = welcome.node;
    object["protocol"] = 1;
    object["limits"] = {{"max_frame_bytes", welcome.limits.max_frame_bytes},
                        {"max_text_chars", welcome.limits.max_text_chars},
                        {"rate_per_sec", welcome.limits.rate_per_sec},
                        {"burst", welcome.limits.burst}};
    if (welcome.kept) {
        json channels = json::array();
        for (const auto& c : welcome.kept->channels)
            channels.push_back({{"channel", c.channel},
                                {"last_seq", c.last_seq},
                                {"read_seq", c.read_seq},
                                {"unread", c.unread},
                                {"mentions", c.mentions}});
        json conversations = json::array();
        for (const auto& c : welcome.kept->conversations)
            conversations.push_back({{"with", c.with},
                                     {"last_seq", c.last_seq},
                                     {"read_seq", c.read_seq},
                                     {"unread", c.unread}});
        object["channels"] = std::move(channels);
        object["conversations"] = std::move(conversations);
    } else {
        json dms = json::array();
        for (const auto& dm : welcome.dms) dms.push_back(dm_with_seq(dm));
        object["dms"] = std::move(dms);
    }
    object["account"] = welcome.account;
    object["admin"] = welcome.admin;
    if (!welcome.resume.empty()) object["resume"] = welcome.resume;
    return dump(object);
}

std::string encode_joined(const RequestId& id, const Joined& joined) {
    json object = reply("joined", id);
    object["channel"] = joined.channel;
    object["member_count"] = joined.member_count;
    if (joined.members) object["members"] = *joined.members;
    object["history"] = messages_json(joined.history);
    object["gap"] = joined.gap;
    object["topic"] = joined.topic;
    object["private"] = joined.is_private;
    object["role"] = joined.role;
    object["registered"] = joined.registered;
    object["roles"] = joined.roles;
    object["muted"] = joined.muted;
    return dump(object);
}

std::string encode_left(const RequestId& id, const std::string& channel) {
    json object = reply("left", id);
    object["channel"] = channel;
    return dump(object);
}

std::string encode_ok(const RequestId& id, std::optional<std::int64_t> seq,
                      std::optional<std::int64_t> ts) {
    json object = reply("ok", id);
    if (seq) object["seq"] = *seq;
    if (ts) object["ts"] = *ts;
    return dump(object);
}

std::string encode_dm_ok(const RequestId& id, std::optional<std::int64_t> seq, std::int64_t ts,
                         bool waiting) {
    json object = reply("ok", id);
    if (seq) object["seq"] = *seq;
    object["ts"] = ts;
    if (waiting) object["waiting"] = true;
    return dump(object);
}

std::string encode_error(const RequestId& id, ErrorCode code, const std::string& message) {
    json object = reply("error", id);
    object["code"] = to_string(code);
    object["message"] = message;
    return dump(object);
}

std::string encode_history(const RequestId& id, const std::string& channel,
                           const std::vector<model::ChatMessage>& messages) {
    json object = reply("history", id);
    object["channel"] = channel;
    object["messages"] = messages_json(messages);
    return dump(object);
}

std::string encode_nick_list(const std::vector<std::string>& nicks) {
    return dump(json(nicks));
}

std::string encode_who(const RequestId& id, const std::string& channel, std::size_t member_count,
                       const std::string& member_list) {
    // Keys in the order the other encoders' sorted objects have them.
    std::string text = R"({"channel":)" + dump(json(channel));
    if (id) text += R"(,"id":)" + *id;
    text += R"(,"member_count":)" + std::to_string(member_count);
    text += R"(,"members":)" + member_list + R"(,"type":"who"})";
    return text;
}

std::string encode_channel_list(const std::vector<ChannelSummary>& channels) {
    json list = json::array();
    for (const auto& channel : channels)
        list.push_back({{"name", channel.name}, {"member_count", channel.member_count}});
    return dump(list);
}

std::string encode_channels(const RequestId& id, const std::string& channel_list) {
    // Keys in the order the other encoders' sorted objects have them: channels, id, type.
    std::string text = R"({"channels":)";
    text += channel_list;
    if (id) text += R"(,"id":)" + *id;
    text += R"(,"type":"channels"})";
    return text;
}

std::string encode_pong(const RequestId& id) {
    return dump(reply("pong", id));
}

std::string encode_message(const model::ChatMessage& message) {
    return dump(message_json(message));
}

std::string encode_dm(const model::DirectMessage& message) {
    return dump(dm_with_seq(message));
}

std::string encode_conversation(const RequestId& id, const std::string& with,
                                const std::vector<model::DirectMessage>& messages, bool gap) {
    json object = reply("history", id);
    object["with"] = with;
    json list = json::array();
    for (const auto& message : messages) {
        auto entry = dm_with_seq(message);
        entry.erase("type");
        list.push_back(std::move(entry));
    }
    object["messages"] = std::move(list);
    if (gap) object["gap"] = true;
    return dump(object);
}

std::string encode_read(const std::string& place, bool conversation, std::int64_t seq) {
    return dump(json{{"type", "read"}, {conversation ? "with" : "channel", place}, {"seq", seq}});
}

std::string encode_presence(const std::string& channel, const std::vector<std::string>& joined,
                            const std::vector<std::string>& left) {
    return dump(
        json{{"type", "presence"}, {"channel", channel}, {"joined", joined}, {"left", left}});
}

std::string encode_typing(const std::string& channel, const std::string& nick) {
    return dump(json{{"type", "typing"}, {"channel", channel}, {"nick", nick}});
}

std::string encode_topic(const std::string& channel, const std::string& topic,
                         const std::string& by) {
    return dump(json{{"type", "topic"}, {"channel", channel}, {"topic", topic}, {"by", by}});
}

std::string encode_role(const std::string& channel, const std::string& nick,
                        const std::string& role, const std::string& by) {
    return dump(
        json{{"type", "role"}, {"channel", channel}, {"nick", nick}, {"role", role}, {"by", by}});
}

std::string encode_invited(const std::string& channel, const std::string& by) {
    return dump(json{{"type", "invited"}, {"channel", channel}, {"by", by}});
}

std::string encode_kicked(const std::string& channel, const std::string& by, bool ban,
                          const std::string& reason) {
    return dump(json{
        {"type", "kicked"}, {"channel", channel}, {"by", by}, {"ban", ban}, {"reason", reason}});
}

std::string encode_messages_page(const std::string& channel,
                                 const std::vector<model::ChatMessage>& messages) {
    return dump(json{{"channel", channel}, {"messages", messages_json(messages)}});
}

}  // namespace parley::protocol
