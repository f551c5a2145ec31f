#include "read_state_support.hpp"

namespace parley::test {

Login log_in_again(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<Client>(port);
    auto welcome = log_in(*client, nick, password_for(nick));
    if (welcome.value("type", "") != "welcome")
        throw std::runtime_error("could not log in as " + nick + ": " + welcome.dump());
    return {std::move(client), std::move(welcome)};
}

json kept(const json& welcome, const std::string& channel) {
    for (const auto& entry : welcome.value("channels", json::array()))
        if (entry.value("channel", "") == channel) return entry;
    return nullptr;
}

json conversation_with(const json& welcome, const std::string& nick) {
    for (const auto& entry : welcome.value("conversations", json::array()))
        if (entry.value("with", "") == nick) return entry;
    return nullptr;
}

std::vector<std::string> kept_names(const json& welcome) {
    std::vector<std::string> names;
    for (const auto& entry : welcome.value("channels", json::array()))
        names.push_back(entry.value("channel", ""));
    return names;
}

json mark_read(Client& client, const std::string& place, std::int64_t seq, bool conversation) {
    return request(
        client, {{"type", "mark_read"}, {conversation ? "with" : "channel", place}, {"seq", seq}});
}

json conversation_page(Client& client, const std::string& with, json extra) {
    extra["type"] = "history";
    extra["with"] = with;
    return request(client, std::move(extra));
}

std::vector<std::int64_t> seqs_of(const json& page) {
    std::vector<std::int64_t> seqs;
    for (const auto& message : page.value("messages", json::array()))
        seqs.push_back(message.value("seq", std::int64_t{-1}));
    return seqs;
}

}  // namespace parley::test
