#include "lifecycle_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace parley::test {

json say_to(Client& client, const std::string& channel, const std::string& text,
            std::optional<std::int64_t> reply_to) {
    json frame{{"type", "say"}, {"channel", channel}, {"text", text}};
    if (reply_to) frame["reply_to"] = *reply_to;
    return request(client, frame);
}

json edit(Client& client, const std::string& channel, const json& seq, const std::string& text) {
    return request(client, {{"type", "edit"}, {"channel", channel}, {"seq", seq}, {"text", text}});
}

json erase(Client& client, const std::string& channel, const json& seq) {
    return request(client, {{"type", "delete"}, {"channel", channel}, {"seq", seq}});
}

json react(Client& client, const std::string& channel, const json& seq, const std::string& emoji) {
    return request(client,
                   {{"type", "react"}, {"channel", channel}, {"seq", seq}, {"emoji", emoji}});
}

json unreact(Client& client, const std::string& channel, const json& seq,
             const std::string& emoji) {
    return request(client,
                   {{"type", "unreact"}, {"channel", channel}, {"seq", seq}, {"emoji", emoji}});
}

std::int64_t seq_of(const json& reply) {
    if (reply.value("type", "") != "ok" || !reply.contains("seq") ||
        !reply["seq"].is_number_integer()) {
        ADD_FAILURE() << "not an ok with a seq: " << reply.dump();
        return -1;
    }
    return reply["seq"].get<std::int64_t>();
}

json event_at(Client& client, const std::string& type, std::int64_t seq) {
    return client.next_where([&](const json& f) {
        return f.value("type", "") == type && f.value("seq", std::int64_t{-1}) == seq;
    });
}

ChannelState state_of_page(const json& messages) {
    ChannelState state;
    for (const auto& message : messages) {
        EXPECT_EQ(message.value("type", ""), "message") << "a page lists messages only";
        state[message["seq"].get<std::int64_t>()] = message;
    }
    return state;
}

namespace {

void set_reaction(json& message, const std::string& emoji, const std::string& nick, bool on) {
    json reactions = message.value("reactions", json::object());
    json nicks = reactions.value(emoji, json::array());
    auto at = std::find(nicks.begin(), nicks.end(), nick);
    if (on && at == nicks.end()) nicks.push_back(nick);
    if (!on && at != nicks.end()) nicks.erase(at);
    if (nicks.empty())
        reactions.erase(emoji);
    else
        reactions[emoji] = nicks;
    if (reactions.empty())
        message.erase("reactions");
    else
        message["reactions"] = reactions;
}

}  // namespace

void apply_event(ChannelState& state, const json& event) {
    auto type = event.value("type", "");
    if (type == "message") {
        state[event["seq"].get<std::int64_t>()] = event;
        return;
    }
    auto target = event.value("target", std::int64_t{-1});
    auto it = state.find(target);
    if (it == state.end()) {
        ADD_FAILURE() << "a change to a message not known before it: " << event.dump();
        return;
    }
    json& message = it->second;
    if (type == "edited") {
        message["text"] = event["text"];
        message["edited_ts"] = event["ts"];
    } else if (type == "deleted") {
        message.erase("text");
        message.erase("reactions");
        message["deleted"] = true;
    } else if (type == "reaction") {
        set_reaction(message, event["emoji"], event["from"], event["on"].get<bool>());
    } else {
        ADD_FAILURE() << "not a channel event: " << event.dump();
    }
}

json comparable(const json& message) {
    json result = message;
    result.erase("id");
    if (result.value("deleted", false)) {
        result.erase("edited_ts");  // whether a deleted message keeps it is not said
    } else {
        result.erase("deleted");
    }
    return result;
}

void expect_same_state(const ChannelState& expected, const ChannelState& actual,
                       const std::string& where) {
    for (const auto& [seq, message] : expected) {
        auto it = actual.find(seq);
        if (it == actual.end()) {
            ADD_FAILURE() << where << ": message " << seq << " missing";
            continue;
        }
        EXPECT_EQ(comparable(it->second), comparable(message)) << where << ", seq " << seq;
    }
    for (const auto& [seq, message] : actual)
        EXPECT_TRUE(expected.count(seq)) << where << ": unexpected " << message.dump();
}

bool no_change_within(Client& client, std::chrono::milliseconds quiet) {
    while (client.next(0ms)) {
    }  // what arrived before the call: next(0ms) takes from the queue without reading more
    auto deadline = std::chrono::steady_clock::now() + quiet;
    for (auto now = std::chrono::steady_clock::now(); now < deadline;
         now = std::chrono::steady_clock::now()) {
        auto frame =
            client.next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!frame) break;
        auto type = frame->value("type", "");
        if (type == "message" || type == "edited" || type == "deleted" || type == "reaction") {
            ADD_FAILURE() << "an event where none was due: " << frame->dump();
            return false;
        }
    }
    return true;
}

json all_messages(Client& client, const std::string& channel, int page) {
    json messages = json::array();
    std::optional<std::int64_t> before;
    for (int round = 0; round < 10000; ++round) {
        json query{{"type", "history"}, {"channel", channel}, {"limit", page}};
        if (before) query["before"] = *before;
        auto reply = request(client, query, "page" + std::to_string(round));
        if (reply.value("type", "") != "history") {
            ADD_FAILURE() << "history: " << reply.dump();
            break;
        }
        if (reply["messages"].empty()) break;
        messages.insert(messages.begin(), reply["messages"].begin(), reply["messages"].end());
        before = reply["messages"][0]["seq"].get<std::int64_t>();
    }
    return messages;
}

std::vector<std::string> unlimited(std::vector<std::string> more) {
    std::vector<std::string> args = {"--rate-per-sec", "1000000", "--burst",         "1000000",
                                     "--command-rate", "1000000", "--command-burst", "1000000"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

}  // namespace parley::test
