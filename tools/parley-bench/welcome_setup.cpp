#include <algorithm>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "json_scan.hpp"
#include "welcome.hpp"
#include "ws_connection.hpp"

namespace bench {
namespace {

// The server stores every command durably before its ok; a batch of a hundred on a slow disk
// still answers within seconds.
constexpr int reply_timeout_ms = 60'000;
// One message in this many that others send to a channel mentions the user.
constexpr std::uint32_t mention_one_in = 4;

std::uint64_t to_number(std::string_view text) {
    std::uint64_t value = 0;
    for (const char c : text)
        if (c >= '0' && c <= '9') value = value * 10 + static_cast<std::uint64_t>(c - '0');
    return value;
}

// Sends every command at once (each a JSON object without its closing brace; the id is added
// here) and waits for all their replies. Returns the seq of each `ok`, in the commands' order.
// Throws on an error reply or when the replies stop coming.
std::vector<std::uint64_t> send_batch(WsConnection& connection,
                                      const std::vector<std::string>& commands,
                                      std::uint64_t& next_id) {
    const std::uint64_t first = next_id;
    for (const auto& command : commands)
        connection.send_text(command + R"(,"id":)" + std::to_string(next_id++) + '}');
    std::vector<std::uint64_t> seqs(commands.size(), 0);
    std::size_t answered = 0;
    while (answered < commands.size()) {
        const bool got = connection.receive(reply_timeout_ms, [&](std::string_view text) {
            std::string_view type, id, seq, code;
            visit_json_fields(text, [&](std::string_view key, std::string_view value) {
                if (key == "type") type = value;
                if (key == "id") id = value;
                if (key == "seq") seq = value;
                if (key == "code") code = value;
            });
            const std::uint64_t number = to_number(id);
            if (id.empty() || number < first || number >= next_id) return;
            const std::size_t k = number - first;
            if (type == "error")
                throw std::runtime_error(commands[k] + "} refused: " + std::string(code));
            if (type != "ok") return;
            seqs[k] = to_number(seq);
            ++answered;
        });
        if (!got)
            throw std::runtime_error("no reply to " + std::to_string(commands.size() - answered) +
                                     " commands for " + std::to_string(reply_timeout_ms / 1000) +
                                     " s");
    }
    return seqs;
}

std::string hello(const std::string& nick, const std::string& token) {
    std::string json = R"({"type":"hello","nick":")" + nick + '"';
    if (!token.empty()) json += R"(,"token":")" + token + '"';
    return json + '}';
}

// Runs `work(i)` for i in [0, count) on `threads` threads; rethrows the first failure.
template <typename Work>
void in_parallel(std::uint32_t threads, std::uint32_t count, const Work& work) {
    std::mutex mutex;
    std::string failure;
    std::vector<std::thread> pool;
    for (std::uint32_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            try {
                for (std::uint32_t i = t; i < count; i += threads) work(i);
            } catch (const std::exception& error) {
                std::lock_guard lock(mutex);
                if (failure.empty()) failure = error.what();
            }
        });
    for (auto& thread : pool) thread.join();
    if (!failure.empty()) throw std::runtime_error(failure);
}

// A user reused from an earlier run keeps that run's channels, and the list has a limit: leave
// them (leaving needs the channel joined on this connection).
void leave_kept_channels(WsConnection& connection, std::string_view welcome, int timeout_ms) {
    std::vector<std::string> kept;
    visit_json_fields(welcome, [&](std::string_view key, std::string_view value) {
        if (key != "channels") return;
        visit_json_array(value, [&](std::string_view entry) {
            visit_json_fields(entry, [&](std::string_view field, std::string_view name) {
                if (field == "channel") kept.emplace_back(name);
            });
        });
    });
    for (const auto& channel : kept) {
        connection.request(R"({"type":"join","channel":")" + channel + "\"}", "joined", timeout_ms);
        connection.request(R"({"type":"leave","channel":")" + channel + "\"}", "left", timeout_ms);
    }
}

}  // namespace

WelcomeUser set_up_welcome_user(const Options& options, const WsTarget& target,
                                std::uint32_t index) {
    const int timeout_ms = static_cast<int>(options.handshake_timeout_s * 1000);
    WelcomeUser user;
    user.token = options.tokens.at(index);
    user.nick = token_subject(user.token);
    const std::string tag = options.nick_prefix + "-" + std::to_string(index);
    for (std::uint32_t k = 0; k < options.channels; ++k)
        user.channels.push_back({options.channel_prefix + "-" + tag + "-" + std::to_string(k)});

    // The user: in, out of an earlier run's channels, into this run's, one message of its own
    // in each, and away (what others send now waits for its next login).
    {
        WsConnection connection(target, timeout_ms);
        const std::string welcome =
            connection.request(hello(user.nick, user.token), "welcome", timeout_ms);
        if (welcome.find(R"("account":true)") == std::string::npos)
            throw std::runtime_error(user.nick + " was not welcomed as an account: " + welcome);
        leave_kept_channels(connection, welcome, timeout_ms);
        std::uint64_t id = 1;
        std::vector<std::string> commands;
        for (const auto& channel : user.channels)
            commands.push_back(R"({"type":"join","channel":")" + channel.name + '"');
        // Joins answer `joined`, not ok: one at a time.
        for (const auto& command : commands)
            connection.request(command + '}', "joined", timeout_ms);
        commands.clear();
        for (const auto& channel : user.channels)
            commands.push_back(R"({"type":"say","channel":")" + channel.name +
                               R"(","text":"my own message, never unread")");
        const auto seqs = send_batch(connection, commands, id);
        for (std::size_t k = 0; k < seqs.size(); ++k) user.channels[k].last_seq = seqs[k];
        connection.close();
    }

    // Others fill the channels: options.clients of them, each its share of the channels.
    in_parallel(options.clients, options.clients, [&](std::uint32_t poster) {
        WsConnection connection(target, timeout_ms);
        connection.request(hello(tag + "p" + std::to_string(poster), ""), "welcome", timeout_ms);
        std::uint64_t id = 1;
        for (std::uint32_t k = poster; k < options.channels; k += options.clients) {
            ChannelExpect& channel = user.channels[k];
            connection.request(R"({"type":"join","channel":")" + channel.name + "\"}", "joined",
                               timeout_ms);
            std::vector<std::string> says;
            for (std::uint32_t m = 0; m < options.messages; ++m) {
                const bool mention = m % mention_one_in == 0;
                says.push_back(R"({"type":"say","channel":")" + channel.name + R"(","text":")" +
                               (mention ? "@" + user.nick + " have a look, " : "message ") +
                               std::to_string(m) + '"');
                channel.mentions += mention ? 1 : 0;
            }
            const auto seqs = send_batch(connection, says, id);
            channel.unread = says.size();
            for (const auto seq : seqs) channel.last_seq = std::max(channel.last_seq, seq);
            connection.request(R"({"type":"leave","channel":")" + channel.name + "\"}", "left",
                               timeout_ms);
        }
        connection.close();
    });

    // Others write to the user while it is offline: 1 to 3 direct messages each.
    user.conversations.resize(options.conversations);
    in_parallel(options.clients, options.conversations, [&](std::uint32_t peer) {
        ConversationExpect& conversation = user.conversations[peer];
        conversation.with = tag + "c" + std::to_string(peer);
        WsConnection connection(target, timeout_ms);
        connection.request(hello(conversation.with, ""), "welcome", timeout_ms);
        std::uint64_t id = 1;
        std::vector<std::string> dms;
        for (std::uint32_t m = 0; m < 1 + peer % 3; ++m)
            dms.push_back(R"({"type":"dm","to":")" + user.nick +
                          R"(","text":"while you were out )" + std::to_string(m) + '"');
        for (const auto seq : send_batch(connection, dms, id))
            conversation.last_seq = std::max(conversation.last_seq, seq);
        connection.close();
    });
    return user;
}

}  // namespace bench
