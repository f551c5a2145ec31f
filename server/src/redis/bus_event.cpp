#include "redis/bus_event.hpp"

#include <nlohmann/json.hpp>

namespace parley::redis::bus {

using nlohmann::json;

namespace {

// Splits `{"k":...,...}` around a value that goes first under `field`.
std::pair<std::string, std::string> around_first_field(const std::string& field, const json& rest) {
    auto text = rest.dump();  // "{...}"
    std::string prefix = "{\"";
    prefix.append(field).append("\":");
    text[0] = ',';
    return {std::move(prefix), std::move(text)};
}

template <class T>
bool read(const json& object, const char* key, T& out) {
    auto it = object.find(key);
    if (it == object.end()) return false;
    if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return false;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return false;
    } else {
        if (!it->is_number_integer()) return false;
    }
    out = it->get<T>();
    return true;
}

}  // namespace

std::pair<std::string, std::string> message_event_parts(const model::ChatMessage& m) {
    using model::EventType;
    json event{{"k", "m"}, {"c", m.channel}, {"f", m.from}, {"t", m.text}, {"ts", m.ts}};
    if (m.reply_to) event["r"] = m.reply_to;
    if (m.bot) event["b"] = true;
    // A change: its type (y), its target (g), and for a reaction its emoji and direction.
    if (m.type != EventType::message) {
        event["y"] = m.type == EventType::edited ? "e" : m.type == EventType::deleted ? "d" : "r";
        event["g"] = m.target;
    }
    if (m.type == EventType::reaction) {
        event["e"] = m.emoji;
        event["o"] = m.on;
    }
    return around_first_field("s", event);
}

DmEventParts dm_event_parts(const model::DirectMessage& m) {
    // The seq goes second: {"to":<nick>,"s":<seq>,"k":"d",...}.
    auto [prefix, rest] = around_first_field(
        "to",
        json{{"k", "d"}, {"f", m.from}, {"t", m.text}, {"ts", m.ts}, {"o", m.sender_session}});
    return {std::move(prefix), ",\"s\":", std::move(rest)};
}

std::pair<std::string, std::string> read_event_parts(const Read& e) {
    return around_first_field("p",
                              json{{"k", "r"}, {"u", e.user}, {"c", e.conversation}, {"s", e.seq}});
}

std::string encode(const Presence& e) {
    return json{{"k", "p"}, {"n", e.node}, {"c", e.channel}, {"u", e.nick}, {"p", e.present}}
        .dump();
}

std::string encode(const Typing& e) {
    return json{{"k", "t"}, {"n", e.node}, {"c", e.channel}, {"u", e.nick}}.dump();
}

std::string encode(const NodeGone& e) {
    return json{{"k", "g"}, {"n", e.node}}.dump();
}

std::string encode(const Authority& e) {
    return json{{"k", "a"},
                {"c", e.channel},
                {"a", model::to_string(e.change.action)},
                {"t", e.change.target},
                {"v", e.change.value},
                {"b", e.change.by}}
        .dump();
}

std::string encode(const Read& e) {
    auto [prefix, suffix] = read_event_parts(e);
    return prefix + json(e.place).dump() + suffix;
}

std::optional<Event> decode(std::string_view payload) {
    auto object = json::parse(payload, nullptr, false);
    if (!object.is_object()) return std::nullopt;
    std::string kind;
    if (!read(object, "k", kind)) return std::nullopt;
    if (kind == "m") {
        Message e;
        auto& m = e.message;
        if (!(read(object, "s", m.seq) && read(object, "c", m.channel) &&
              read(object, "f", m.from) && read(object, "t", m.text) && read(object, "ts", m.ts) &&
              m.seq > 0))
            return std::nullopt;
        read(object, "r", m.reply_to);
        read(object, "b", m.bot);
        std::string type;
        if (!read(object, "y", type)) return e;
        using model::EventType;
        if (type == "e")
            m.type = EventType::edited;
        else if (type == "d")
            m.type = EventType::deleted;
        else if (type == "r" && read(object, "e", m.emoji) && read(object, "o", m.on))
            m.type = EventType::reaction;
        else
            return std::nullopt;
        if (read(object, "g", m.target) && m.target > 0) return e;
    } else if (kind == "d") {
        Dm e;
        auto& m = e.message;
        if (read(object, "to", m.to) && read(object, "f", m.from) && read(object, "t", m.text) &&
            read(object, "ts", m.ts) && read(object, "o", m.sender_session)) {
            // A node from before conversations sends no seq.
            if (object.contains("s") && !(read(object, "s", m.seq) && m.seq > 0))
                return std::nullopt;
            return e;
        }
    } else if (kind == "p") {
        Presence e;
        if (read(object, "n", e.node) && read(object, "c", e.channel) &&
            read(object, "u", e.nick) && read(object, "p", e.present))
            return e;
    } else if (kind == "t") {
        Typing e;
        if (read(object, "n", e.node) && read(object, "c", e.channel) && read(object, "u", e.nick))
            return e;
    } else if (kind == "a") {
        Authority e;
        std::string action;
        auto& change = e.change;
        if (read(object, "c", e.channel) && read(object, "a", action) &&
            read(object, "t", change.target) && read(object, "v", change.value) &&
            read(object, "b", change.by)) {
            using Action = model::AuthorityChange::Action;
            for (auto candidate :
                 {Action::create, Action::topic, Action::role, Action::invite, Action::admit,
                  Action::kick, Action::ban, Action::unban, Action::mute, Action::unmute})
                if (action == model::to_string(candidate)) {
                    change.action = candidate;
                    return e;
                }
        }
    } else if (kind == "r") {
        Read e;
        if (read(object, "u", e.user) && read(object, "p", e.place) &&
            read(object, "c", e.conversation) && read(object, "s", e.seq) && e.seq > 0 &&
            !e.user.empty() && !e.place.empty())
            return e;
    } else if (kind == "g") {
        NodeGone e;
        if (read(object, "n", e.node)) return e;
    }
    return std::nullopt;
}

}  // namespace parley::redis::bus
